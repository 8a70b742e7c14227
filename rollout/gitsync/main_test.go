package gitsync_test

import (
	"testing"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// The loop's tests run against a real control plane (test/cluster) and real
// git repositories (source/gittest); -short runs only the pure tests.
func TestMain(m *testing.M) { cluster.Main(m) }
