package source

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// EditFunc changes one file. old is nil when the file does not exist yet.
// Returning bytes equal to old means "nothing to do": no commit is made.
type EditFunc func(old []byte) ([]byte, error)

// fileEdit is the outcome of applying an EditFunc to a tree.
type fileEdit struct {
	oldBlob plumbing.Hash // zero when the file did not exist
	newBlob plumbing.Hash
	content []byte
	mode    filemode.FileMode
	tree    plumbing.Hash // the new root tree
	changed bool
}

// splitRepoPath validates a slash-separated path inside a repository and
// splits it. It refuses anything that could leave the tree or touch git's
// own files.
func splitRepoPath(p string) ([]string, error) {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return nil, fmt.Errorf("path %q: want a relative slash-separated path", p)
	}
	parts := strings.Split(p, "/")
	for _, part := range parts {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return nil, fmt.Errorf("path %q: invalid component %q", p, part)
		}
	}
	return parts, nil
}

// editTree runs edit on the file at path in root and, when the content
// changes, writes the new blob and the trees above it into st. Nothing in
// st is modified for an unchanged file.
func editTree(st storer.EncodedObjectStorer, root *object.Tree, path string, edit EditFunc) (fileEdit, error) {
	parts, err := splitRepoPath(path)
	if err != nil {
		return fileEdit{}, err
	}
	out := fileEdit{mode: filemode.Regular}
	var old []byte
	switch entry, err := root.FindEntry(path); {
	case err == nil && !entry.Mode.IsFile():
		return fileEdit{}, fmt.Errorf("path %q is a %s, not a file", path, entry.Mode)
	case err == nil:
		f, err := root.TreeEntryFile(entry)
		if err != nil {
			return fileEdit{}, err
		}
		s, err := f.Contents()
		if err != nil {
			return fileEdit{}, err
		}
		old, out.oldBlob, out.mode = []byte(s), entry.Hash, entry.Mode
	case !errors.Is(err, object.ErrEntryNotFound) && !errors.Is(err, object.ErrDirectoryNotFound):
		return fileEdit{}, err
	}
	content, err := edit(old)
	if err != nil {
		return fileEdit{}, fmt.Errorf("edit %s: %w", path, err)
	}
	if content == nil {
		content = []byte{}
	}
	if old != nil && bytes.Equal(old, content) {
		out.newBlob, out.content, out.tree = out.oldBlob, content, root.Hash
		return out, nil
	}
	if out.newBlob, err = writeBlob(st, content); err != nil {
		return fileEdit{}, err
	}
	if out.tree, err = putEntry(st, root, parts, out.newBlob, out.mode); err != nil {
		return fileEdit{}, err
	}
	out.content, out.changed = content, true
	return out, nil
}

func writeBlob(st storer.EncodedObjectStorer, content []byte) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(content); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// putEntry returns the hash of tree (nil for a directory that does not
// exist yet) with parts set to blob, writing each rebuilt tree to st.
func putEntry(st storer.EncodedObjectStorer, tree *object.Tree, parts []string, blob plumbing.Hash, mode filemode.FileMode) (plumbing.Hash, error) {
	var entries []object.TreeEntry
	if tree != nil {
		entries = append(entries, tree.Entries...)
	}
	name := parts[0]
	var existing *object.TreeEntry
	if i := slices.IndexFunc(entries, func(e object.TreeEntry) bool { return e.Name == name }); i >= 0 {
		existing = &entries[i]
	}
	entry := object.TreeEntry{Name: name, Mode: mode, Hash: blob}
	if len(parts) > 1 {
		var sub *object.Tree
		if existing != nil {
			if existing.Mode != filemode.Dir {
				return plumbing.ZeroHash, fmt.Errorf("%s is a file, not a directory", name)
			}
			var err error
			if sub, err = object.GetTree(st, existing.Hash); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		h, err := putEntry(st, sub, parts[1:], blob, mode)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entry = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
	}
	if existing != nil {
		*existing = entry
	} else {
		entries = append(entries, entry)
	}
	sortTreeEntries(entries)
	obj := st.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// sortTreeEntries orders entries as git does: by name, with a directory
// compared as if its name ended in "/" ("a.yaml" < "a/" < "a0").
func sortTreeEntries(entries []object.TreeEntry) {
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
}
