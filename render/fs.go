package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// entryKind is what a name in a directory is.
type entryKind int

const (
	kindMissing entryKind = iota
	kindFile
	kindDir
	kindSymlink
)

// backend reads one repository snapshot: a git tree or a directory on disk.
// Paths are slash-separated, clean and relative to the repository root ("" is
// the root). repoFS resolves symlinks itself, one component at a time, so a
// backend is only ever asked about paths whose parents are real directories,
// and never follows a symlink on its own.
type backend interface {
	lstat(p string) (entryKind, error)
	readlink(p string) (string, error)
	readFile(p string) ([]byte, error)
	readDir(p string) ([]string, error) // sorted names
}

// maxSymlinkHops bounds symlink chains, as the kernel's ELOOP does.
const maxSymlinkHops = 40

// repoFS is the read-only kustomize filesystem of one render: the repository
// is mounted at "/", so kustomize's absolute paths read as repository paths
// ("/overlays/batch-1/kustomization.yaml"). Nothing outside the repository can
// be read: ".." stops at the root, and a symlink whose target leaves the
// repository is an error (ErrOutsideRepo), recorded so Build can report it even
// when kustomize rewraps the error as text.
//
// Files are cached for the life of the render, so the preflight and kustomize
// read each blob once.
type repoFS struct {
	b        backend
	files    map[string][]byte // resolved path -> content
	overlay  map[string][]byte // resolved path -> content served instead of the file
	escape   error             // first confinement violation seen
	diskTemp string            // with remote bases allowed: kustomize's clone dir prefix, served from disk
	disk     filesys.FileSystem
}

func newRepoFS(b backend) *repoFS {
	return &repoFS{b: b, files: map[string][]byte{}, overlay: map[string][]byte{}}
}

// allowDiskClones lets kustomize's remote-base cloner work: it clones into
// os.TempDir()/kustomize-*, on disk, and reads the clone through this
// filesystem.
func (f *repoFS) allowDiskClones() {
	f.diskTemp = filepath.Join(os.TempDir(), "kustomize-")
	f.disk = filesys.MakeFsOnDisk()
}

func (f *repoFS) onDisk(p string) bool {
	return f.diskTemp != "" && strings.HasPrefix(p, f.diskTemp)
}

// rel turns a kustomize path (absolute under "/", or relative to the root)
// into a clean repository-relative path.
func rel(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	return strings.TrimPrefix(p, "/")
}

// joinInside joins target onto dir (both repository-relative) and reports
// false when the result climbs above the repository root. Unlike path.Join it
// does not clamp "../.." at the root: that is exactly the escape it detects.
func joinInside(dir, target string) (string, bool) {
	if path.IsAbs(target) {
		return "", false
	}
	var parts []string
	if dir != "" {
		parts = strings.Split(dir, "/")
	}
	for _, c := range strings.Split(target, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				return "", false
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, "/"), true
}

// resolve follows p through the tree, resolving every symlink inside the
// repository, and returns the real path and what is there.
func (f *repoFS) resolve(p string) (string, entryKind, error) {
	todo := rel(p)
	done := ""
	for hops := 0; ; {
		if todo == "" {
			return done, kindDir, nil
		}
		name, rest, _ := strings.Cut(todo, "/")
		next := path.Join(done, name)
		k, err := f.b.lstat(next)
		if err != nil {
			return "", kindMissing, err
		}
		switch k {
		case kindMissing:
			return next, kindMissing, nil
		case kindFile:
			if rest != "" {
				return next, kindMissing, nil
			}
			return next, kindFile, nil
		case kindSymlink:
			hops++
			if hops > maxSymlinkHops {
				return "", kindMissing, fmt.Errorf("%s: too many levels of symbolic links", next)
			}
			target, err := f.b.readlink(next)
			if err != nil {
				return "", kindMissing, err
			}
			joined, ok := joinInside(done, target)
			if !ok {
				err := &fileError{file: next, err: fmt.Errorf("symlink to %q: %w", target, ErrOutsideRepo)}
				if f.escape == nil {
					f.escape = err
				}
				return "", kindMissing, err
			}
			todo = strings.TrimPrefix(path.Join(joined, rest), "/")
			done = ""
		default: // kindDir
			done, todo = next, rest
		}
	}
}

func notExist(p string) error {
	return &fs.PathError{Op: "open", Path: "/" + rel(p), Err: fs.ErrNotExist}
}

func readOnly(op, p string) error {
	return &fs.PathError{Op: op, Path: p, Err: errors.New("read-only repository snapshot")}
}

// ReadFile implements filesys.FileSystem.
func (f *repoFS) ReadFile(p string) ([]byte, error) {
	if f.onDisk(p) {
		return f.disk.ReadFile(p)
	}
	real, k, err := f.resolve(p)
	if err != nil {
		return nil, err
	}
	if k != kindFile {
		return nil, notExist(p)
	}
	if b, ok := f.overlay[real]; ok {
		return b, nil
	}
	if b, ok := f.files[real]; ok {
		return b, nil
	}
	b, err := f.b.readFile(real)
	if err != nil {
		return nil, err
	}
	f.files[real] = b
	return b, nil
}

// IsDir implements filesys.FileSystem.
func (f *repoFS) IsDir(p string) bool {
	if f.onDisk(p) {
		return f.disk.IsDir(p)
	}
	_, k, err := f.resolve(p)
	return err == nil && k == kindDir
}

// Exists implements filesys.FileSystem.
func (f *repoFS) Exists(p string) bool {
	if f.onDisk(p) {
		return f.disk.Exists(p)
	}
	_, k, err := f.resolve(p)
	return err == nil && k != kindMissing
}

// ReadDir implements filesys.FileSystem.
func (f *repoFS) ReadDir(p string) ([]string, error) {
	if f.onDisk(p) {
		return f.disk.ReadDir(p)
	}
	real, k, err := f.resolve(p)
	if err != nil {
		return nil, err
	}
	if k != kindDir {
		return nil, notExist(p)
	}
	return f.b.readDir(real)
}

// CleanedAbs implements filesys.FileSystem: the real (symlink-free) directory
// and, for a file, its name; as kustomize's on-disk filesystem does.
func (f *repoFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if f.onDisk(p) {
		return f.disk.CleanedAbs(p)
	}
	real, k, err := f.resolve(p)
	if err != nil {
		return "", "", err
	}
	switch k {
	case kindDir:
		return filesys.ConfirmedDir("/" + real), "", nil
	case kindFile:
		return filesys.ConfirmedDir("/" + path.Dir(real)), path.Base(real), nil
	}
	return "", "", notExist(p)
}

// Glob implements filesys.FileSystem for patterns whose wildcards are in the
// last element, which is all kustomize uses.
func (f *repoFS) Glob(pattern string) ([]string, error) {
	if f.onDisk(pattern) {
		return f.disk.Glob(pattern)
	}
	dir, base := path.Split(path.Clean("/" + filepath.ToSlash(pattern)))
	names, err := f.ReadDir(dir)
	if err != nil {
		return nil, nil // a missing directory matches nothing, as with filepath.Glob
	}
	var out []string
	for _, n := range names {
		ok, err := path.Match(base, n)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, path.Join(dir, n))
		}
	}
	return out, nil
}

// Walk implements filesys.FileSystem, in lexical order.
func (f *repoFS) Walk(p string, fn filepath.WalkFunc) error {
	if f.onDisk(p) {
		return f.disk.Walk(p, fn)
	}
	err := f.walk(path.Clean("/"+filepath.ToSlash(p)), fn)
	if errors.Is(err, filepath.SkipDir) || errors.Is(err, filepath.SkipAll) {
		return nil
	}
	return err
}

func (f *repoFS) walk(p string, fn filepath.WalkFunc) error {
	_, k, err := f.resolve(p)
	if err != nil || k == kindMissing {
		if err == nil {
			err = notExist(p)
		}
		return fn(p, nil, err)
	}
	if k == kindFile {
		b, err := f.ReadFile(p)
		return fn(p, fileInfo{name: path.Base(p), size: int64(len(b))}, err)
	}
	if err := fn(p, fileInfo{name: path.Base(p), dir: true}, nil); err != nil {
		if errors.Is(err, filepath.SkipDir) {
			return nil
		}
		return err
	}
	names, err := f.ReadDir(p)
	if err != nil {
		return fn(p, nil, err)
	}
	for _, n := range names {
		if err := f.walk(path.Join(p, n), fn); err != nil {
			return err
		}
	}
	return nil
}

// Open implements filesys.FileSystem (read-only).
func (f *repoFS) Open(p string) (filesys.File, error) {
	if f.onDisk(p) {
		return f.disk.Open(p)
	}
	b, err := f.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(b), info: fileInfo{name: path.Base(p), size: int64(len(b))}}, nil
}

// Create implements filesys.FileSystem; the snapshot is read-only.
func (f *repoFS) Create(p string) (filesys.File, error) { return nil, readOnly("create", p) }

// Mkdir implements filesys.FileSystem; the snapshot is read-only.
func (f *repoFS) Mkdir(p string) error { return readOnly("mkdir", p) }

// MkdirAll implements filesys.FileSystem; the snapshot is read-only.
func (f *repoFS) MkdirAll(p string) error { return readOnly("mkdir", p) }

// WriteFile implements filesys.FileSystem; the snapshot is read-only.
func (f *repoFS) WriteFile(p string, _ []byte) error { return readOnly("write", p) }

// RemoveAll implements filesys.FileSystem: only kustomize's own remote-base
// clones (on disk) can be removed.
func (f *repoFS) RemoveAll(p string) error {
	if f.onDisk(p) {
		return f.disk.RemoveAll(p)
	}
	return readOnly("remove", p)
}

type memFile struct {
	*bytes.Reader
	info fileInfo
}

func (m *memFile) Write([]byte) (int, error)  { return 0, errors.New("read-only file") }
func (m *memFile) Close() error               { return nil }
func (m *memFile) Stat() (os.FileInfo, error) { return m.info, nil }

type fileInfo struct {
	name string
	size int64
	dir  bool
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64  { return i.size }
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }

var _ filesys.FileSystem = (*repoFS)(nil)
