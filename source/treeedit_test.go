package source

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Git orders a directory as if its name ended in "/": a.yaml, a/, a0.
// A wrong order makes `git fsck` report treeNotSorted.
func TestSortTreeEntries(t *testing.T) {
	entries := []object.TreeEntry{
		{Name: "a0", Mode: filemode.Regular},
		{Name: "a", Mode: filemode.Dir},
		{Name: "a.yaml", Mode: filemode.Regular},
		{Name: "B", Mode: filemode.Regular},
		{Name: "a-b", Mode: filemode.Dir},
	}
	sortTreeEntries(entries)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name)
	}
	want := []string{"B", "a-b", "a.yaml", "a", "a0"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order = %q, want %q", got, want)
		}
	}
}

func TestEditTreeKeepsSiblingsAndMode(t *testing.T) {
	st := memory.NewStorage()
	blob, err := writeBlob(st, []byte("#!/bin/sh\n"))
	if err != nil {
		t.Fatal(err)
	}
	rootHash, err := putEntry(st, nil, []string{"bin", "run.sh"}, blob, filemode.Executable)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := writeBlob(st, []byte("x"))
	if rootHash, err = putEntry(st, mustTree(t, st, rootHash), []string{"bin", "a"}, other, filemode.Regular); err != nil {
		t.Fatal(err)
	}
	edit, err := editTree(st, mustTree(t, st, rootHash), "bin/run.sh", func(old []byte) ([]byte, error) {
		return append(old, "exit 0\n"...), nil
	})
	if err != nil || !edit.changed || edit.mode != filemode.Executable {
		t.Fatalf("edit = %+v, %v", edit, err)
	}
	tree := mustTree(t, st, edit.tree)
	f, err := tree.File("bin/run.sh")
	if err != nil || f.Mode != filemode.Executable {
		t.Fatalf("run.sh: %v, mode %v", err, f.Mode)
	}
	if got, _ := f.Contents(); got != "#!/bin/sh\nexit 0\n" {
		t.Errorf("content = %q", got)
	}
	if _, err := tree.File("bin/a"); err != nil {
		t.Errorf("sibling lost: %v", err)
	}
}

func mustTree(t *testing.T, st *memory.Storage, h plumbing.Hash) *object.Tree {
	t.Helper()
	tree, err := object.GetTree(st, h)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}
