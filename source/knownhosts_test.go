package source

import (
	"errors"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ferry-gitops/ferry/source/gittest"
)

func TestMatchHostPatterns(t *testing.T) {
	hashed := knownhosts.HashHostname("git.example.com")
	tests := []struct {
		patterns []string
		host     string // normalized, as knownHosts.check passes it
		want     bool
	}{
		{[]string{"github.com"}, "github.com", true},
		{[]string{"GitHub.com"}, "github.com", true},
		{[]string{"github.com"}, "gitlab.com", false},
		{[]string{"github.com"}, "[github.com]:2222", false}, // other port, other host entry
		{[]string{"[github.com]:2222"}, "[github.com]:2222", true},
		{[]string{"[github.com]:22"}, "github.com", true}, // default port normalizes away
		{[]string{"*.example.com"}, "git.example.com", true},
		{[]string{"*.example.com"}, "example.com", false},
		{[]string{"git?.example.com"}, "git1.example.com", true},
		{[]string{"*.example.com", "!evil.example.com"}, "evil.example.com", false},
		{[]string{"!evil.example.com"}, "good.example.com", false}, // negation alone never matches
		{[]string{hashed}, "git.example.com", true},
		{[]string{hashed}, "git2.example.com", false},
		{[]string{"a.com", "b.com"}, "b.com", true},
	}
	for _, tt := range tests {
		if got := matchHostPatterns(tt.patterns, tt.host); got != tt.want {
			t.Errorf("matchHostPatterns(%q, %q) = %v, want %v", tt.patterns, tt.host, got, tt.want)
		}
	}
}

func TestKnownHostsCheck(t *testing.T) {
	key := func() ssh.PublicKey { s, _ := gittest.NewSSHKey(t); return s.PublicKey() }
	good, other := key(), key()
	data := knownhosts.Line([]string{"git.example.com"}, good) + "\n" +
		"# a comment\n\n" +
		knownhosts.Line([]string{"[git.example.com]:2222"}, other) + "\n" +
		"@cert-authority *.example.com " + string(ssh.MarshalAuthorizedKey(other))
	kh, err := parseKnownHosts([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		key  ssh.PublicKey
		ok   bool
	}{
		{"git.example.com:22", good, true},
		{"git.example.com:22", other, false},
		{"git.example.com:2222", other, true},
		{"git.example.com:2222", good, false},
		{"other.example.com:22", other, false}, // only a CA line covers it: refused
	}
	for _, tt := range tests {
		err := kh.check(tt.addr, tt.key)
		var hk *hostKeyError
		if (err == nil) != tt.ok || (err != nil && !errors.As(err, &hk)) {
			t.Errorf("check(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
	if got := kh.algorithms("git.example.com:22"); len(got) != 1 || got[0] != ssh.KeyAlgoED25519 {
		t.Errorf("algorithms = %v", got)
	}
	if _, err := parseKnownHosts([]byte("# only a comment\n")); err == nil {
		t.Error("known_hosts without keys accepted")
	}
}
