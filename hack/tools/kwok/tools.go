//go:build tools

// Package tools pins kwok, the fake-node simulator used by hack/cluster.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
