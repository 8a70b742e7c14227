package render

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxFileSize bounds what one file may hold: kustomize reads whole files, and
// a render must not be able to exhaust memory with one huge blob.
const maxFileSize = 64 << 20

// treeBackend reads a git tree straight from the object store: nothing is
// checked out. Subtrees are loaded on first use and kept for the render.
type treeBackend struct {
	root  *object.Tree
	dirs  map[string]*object.Tree
	index map[string]map[string]object.TreeEntry // dir -> name -> entry
}

func newTreeBackend(t *object.Tree) *treeBackend {
	return &treeBackend{
		root:  t,
		dirs:  map[string]*object.Tree{"": t},
		index: map[string]map[string]object.TreeEntry{},
	}
}

func (b *treeBackend) tree(dir string) (*object.Tree, error) {
	if t, ok := b.dirs[dir]; ok {
		return t, nil
	}
	parent, err := b.tree(parentDir(dir))
	if err != nil {
		return nil, err
	}
	t, err := parent.Tree(path.Base(dir))
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", dir, err)
	}
	b.dirs[dir] = t
	return t, nil
}

func (b *treeBackend) entries(dir string) (map[string]object.TreeEntry, error) {
	if m, ok := b.index[dir]; ok {
		return m, nil
	}
	t, err := b.tree(dir)
	if err != nil {
		return nil, err
	}
	m := make(map[string]object.TreeEntry, len(t.Entries))
	for _, e := range t.Entries {
		m[e.Name] = e
	}
	b.index[dir] = m
	return m, nil
}

func (b *treeBackend) entry(p string) (object.TreeEntry, bool, error) {
	m, err := b.entries(parentDir(p))
	if err != nil {
		return object.TreeEntry{}, false, err
	}
	e, ok := m[path.Base(p)]
	return e, ok, nil
}

func (b *treeBackend) lstat(p string) (entryKind, error) {
	e, ok, err := b.entry(p)
	if err != nil || !ok {
		return kindMissing, err
	}
	switch e.Mode {
	case filemode.Dir:
		return kindDir, nil
	case filemode.Symlink:
		return kindSymlink, nil
	case filemode.Regular, filemode.Executable, filemode.Deprecated:
		return kindFile, nil
	}
	return kindMissing, nil // submodules: their content is not in this tree
}

func (b *treeBackend) blob(p string) ([]byte, error) {
	e, ok, err := b.entry(p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notExist(p)
	}
	t, err := b.tree(parentDir(p))
	if err != nil {
		return nil, err
	}
	f, err := t.TreeEntryFile(&e)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", p, err)
	}
	if f.Size > maxFileSize {
		return nil, fmt.Errorf("%s: file of %d bytes is larger than %d", p, f.Size, maxFileSize)
	}
	r, err := f.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", p, err)
	}
	defer r.Close()
	return io.ReadAll(r)
}

func (b *treeBackend) readlink(p string) (string, error) {
	target, err := b.blob(p)
	return string(target), err
}

func (b *treeBackend) readFile(p string) ([]byte, error) { return b.blob(p) }

func (b *treeBackend) readDir(p string) ([]string, error) {
	t, err := b.tree(p)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(t.Entries))
	for _, e := range t.Entries {
		if e.Mode != filemode.Submodule {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// diskBackend reads a directory on disk, e.g. a working tree with
// uncommitted changes. repoFS resolves symlinks before asking, so the
// operating system never follows one out of root.
type diskBackend struct{ root string }

func (b diskBackend) abs(p string) string { return filepath.Join(b.root, filepath.FromSlash(p)) }

func (b diskBackend) lstat(p string) (entryKind, error) {
	fi, err := os.Lstat(b.abs(p))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return kindMissing, nil
	case err != nil:
		return kindMissing, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return kindSymlink, nil
	case fi.IsDir():
		return kindDir, nil
	case fi.Mode().IsRegular():
		return kindFile, nil
	}
	return kindMissing, nil // sockets, devices: not configuration
}

func (b diskBackend) readlink(p string) (string, error) {
	t, err := os.Readlink(b.abs(p))
	return filepath.ToSlash(t), err
}

func (b diskBackend) readFile(p string) ([]byte, error) {
	fi, err := os.Stat(b.abs(p))
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("%s: file of %d bytes is larger than %d", p, fi.Size(), maxFileSize)
	}
	return os.ReadFile(b.abs(p))
}

func (b diskBackend) readDir(p string) ([]string, error) {
	des, err := os.ReadDir(b.abs(p))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(des))
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names, nil // os.ReadDir sorts by name
}

func parentDir(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}
