package source

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// dialect is how one provider authenticates and describes a push. parse
// returns a nil Push with a short answer for events that are not pushes.
type dialect struct {
	authentic func(h http.Header, body, secret []byte) bool
	parse     func(h http.Header, body []byte) (*Push, string, error)
}

var dialects = map[Provider]dialect{
	ProviderGitHub:  {authentic: hmacHeader("X-Hub-Signature-256"), parse: parseGitHub},
	ProviderGitLab:  {authentic: gitlabToken, parse: parseGitLab},
	ProviderGeneric: {authentic: hmacHeader("X-Signature"), parse: parseGeneric},
}

// hmacHeader checks "sha256=<hex>" in header against HMAC-SHA256(secret,
// body), in constant time.
func hmacHeader(header string) func(http.Header, []byte, []byte) bool {
	return func(h http.Header, body, secret []byte) bool {
		hexSig, ok := strings.CutPrefix(h.Get(header), "sha256=")
		if !ok {
			return false
		}
		got, err := hex.DecodeString(hexSig)
		if err != nil {
			return false
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		return hmac.Equal(got, mac.Sum(nil))
	}
}

// gitlabToken compares X-Gitlab-Token with the secret. Both are hashed
// first so the comparison takes the same time whatever their lengths.
func gitlabToken(h http.Header, _, secret []byte) bool {
	got := sha256.Sum256([]byte(h.Get("X-Gitlab-Token")))
	want := sha256.Sum256(secret)
	return h.Get("X-Gitlab-Token") != "" && hmac.Equal(got[:], want[:])
}

type githubPush struct {
	Ref        string `json:"ref"`
	After      string `json:"after"`
	Repository struct {
		CloneURL string `json:"clone_url"`
		SSHURL   string `json:"ssh_url"`
		HTMLURL  string `json:"html_url"`
	} `json:"repository"`
}

func parseGitHub(h http.Header, body []byte) (*Push, string, error) {
	switch h.Get("X-GitHub-Event") {
	case "ping":
		return nil, "pong", nil
	case "push":
	default:
		return nil, "ignored event", nil
	}
	// GitHub sends form-encoded payloads when the hook is set up that way.
	if ct, _, _ := mime.ParseMediaType(h.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", err
		}
		body = []byte(form.Get("payload"))
	}
	var p githubPush
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", err
	}
	return &Push{
		Event:    "push",
		RepoURLs: nonEmpty(p.Repository.CloneURL, p.Repository.SSHURL, p.Repository.HTMLURL),
		Ref:      p.Ref,
		After:    p.After,
	}, "", nil
}

type gitlabPush struct {
	Ref         string `json:"ref"`
	After       string `json:"after"`
	CheckoutSHA string `json:"checkout_sha"`
	Project     struct {
		HTTPURL string `json:"git_http_url"`
		SSHURL  string `json:"git_ssh_url"`
		WebURL  string `json:"web_url"`
	} `json:"project"`
}

func parseGitLab(h http.Header, body []byte) (*Push, string, error) {
	ev := h.Get("X-Gitlab-Event")
	if ev != "Push Hook" && ev != "Tag Push Hook" {
		return nil, "ignored event", nil
	}
	var p gitlabPush
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", err
	}
	after := p.CheckoutSHA
	if after == "" {
		after = p.After
	}
	return &Push{
		Event:    ev,
		RepoURLs: nonEmpty(p.Project.HTTPURL, p.Project.SSHURL, p.Project.WebURL),
		Ref:      p.Ref,
		After:    after,
	}, "", nil
}

type genericPush struct {
	URL   string `json:"url"`
	Ref   string `json:"ref"`
	After string `json:"after"`
}

func parseGeneric(_ http.Header, body []byte) (*Push, string, error) {
	push := &Push{Event: "generic"}
	if len(bytes.TrimSpace(body)) == 0 {
		return push, "", nil
	}
	var p genericPush
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", err
	}
	push.RepoURLs, push.Ref, push.After = nonEmpty(p.URL), p.Ref, p.After
	return push, "", nil
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
