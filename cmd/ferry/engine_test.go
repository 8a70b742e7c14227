package main

import (
	"strings"
	"testing"
)

func TestEngineFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"engine", "--engine=kruise"}, `engine mode "kruise"`},
		{[]string{"engine", "--webhook-listen=127.0.0.1:0"}, "--webhook-listen needs --webhook-cert and --webhook-key"},
		{[]string{"engine", "extra"}, "unknown command"},
	} {
		_, err := runFerry(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ferry %s: error %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
