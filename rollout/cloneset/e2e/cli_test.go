package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/test/cluster"
	"k8s.io/apimachinery/pkg/util/wait"
)

// `ferry engine` as a user runs it: the binary, flags, /readyz and
// /metrics, the webhook over TLS, and a clean exit on SIGTERM.
func TestFerryEngineCommand(t *testing.T) {
	e := setup(t)
	bin := buildFerry(t)
	dir := t.TempDir()
	certFile, keyFile := writeServingCert(t, dir)
	health, hook := freeAddr(t), freeAddr(t)
	var logs strings.Builder
	cmd := exec.Command(bin, "engine", "--kubeconfig", e.c.Kubeconfig, "--namespace", e.ns, "--engine=builtin",
		"--health-addr", health, "--webhook-listen", hook, "--webhook-cert", certFile, "--webhook-key", keyFile,
		"--leader-elect", "--lease-namespace", e.ns)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("ferry engine output:\n%s", logs.String())
		}
	})

	waitHTTP(t, "http://"+health+"/readyz", http.StatusOK)
	e.create(t, spec{replicas: 3, image: "demo:1", maxUnavailable: "1"}.cloneSet("demo"))
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 3, 3)
	metrics := get(t, "http://"+health+"/metrics")
	if !strings.Contains(metrics, "ferry_engine_pods_created_total 3") {
		t.Errorf("/metrics does not count the 3 created pods:\n%s", metrics)
	}

	// the webhook answers over TLS with the field of the error
	review := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE",
"resource":{"group":"apps.kruise.io","version":"v1alpha1","resource":"clonesets"},"name":"x",
"object":{"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}}}}}}}`
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool(t, certFile)}}}
	resp, err := client.Post("https://"+hook+"/validate-cloneset", "application/json", strings.NewReader(review))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"allowed":false`) || !strings.Contains(string(body), "spec.template.metadata.labels") {
		t.Errorf("webhook answer %s", body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("ferry engine exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ferry engine did not exit within 30s of SIGTERM")
	}
	if !strings.Contains(logs.String(), "cloneset engine stopped") {
		t.Errorf("no graceful stop in the log:\n%s", logs.String())
	}
}

// buildFerry builds cmd/ferry into the test's temp dir.
func buildFerry(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ferry")
	cmd := exec.Command("go", "build", "-o", out, "../../../cmd/ferry")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ferry: %v\n%s", err, b)
	}
	return out
}

func writeServingCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	_, cert := cluster.ServingCert(t)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func pool(t *testing.T, certFile string) *x509.CertPool {
	t.Helper()
	raw, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(raw)
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHTTP(t *testing.T, url string, code int) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		resp, err := http.Get(url)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%d %s", resp.StatusCode, b)
		return resp.StatusCode == code, nil
	})
	if err != nil {
		t.Fatalf("GET %s never answered %d; last: %s", url, code, last)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
