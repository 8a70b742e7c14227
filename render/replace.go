package render

import "maps"

// WithFiles returns src with the content of some existing files replaced,
// keyed by repository-relative, slash-separated path (symlinks resolved:
// the path of the file itself). Nothing is written anywhere.
//
// `ferry advance` uses it to prove an edit before committing it: render the
// snapshot as it would be with the new file, and check that exactly the
// intended field of exactly the intended object changed.
func WithFiles(src Source, files map[string][]byte) Source {
	return replacedSource{Source: src, files: maps.Clone(files)}
}

type replacedSource struct {
	Source
	files map[string][]byte
}

func (s replacedSource) open() backend {
	return replacedBackend{backend: s.Source.open(), files: s.files}
}

// replacedBackend serves replaced content for files that exist in the
// underlying backend; everything else, lstat included, passes through, so
// a replaced path that is not a file there is never read.
type replacedBackend struct {
	backend
	files map[string][]byte
}

func (b replacedBackend) readFile(p string) ([]byte, error) {
	if c, ok := b.files[p]; ok {
		return c, nil // repoFS asks only for paths lstat calls files
	}
	return b.backend.readFile(p)
}
