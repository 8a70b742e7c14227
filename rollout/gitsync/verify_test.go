package gitsync_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/cloneset/engine/enginetest"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/rollout/schedule"
	"github.com/ferry-gitops/ferry/source/gittest"
)

// A GitSync that verifies commits applies only signed ones, and its own
// advance commits are signed with spec.verify.signingKeyRef, so a schedule
// can take a verified rollout to the end. Without a signing key ferry
// refuses to advance rather than commit a revision it would then reject.
func TestVerifiedGitSyncSignsItsAdvanceCommits(t *testing.T) {
	e := newEnv(t)
	enginetest.Start(t, e.c.Config, e.ns)
	key := gittest.NewPGPKey(t, "release", "release@example.com")
	e.secret("trusted", map[string][]byte{"release.asc": gittest.ArmoredPublicKey(t, key)})
	e.secret("signer", map[string][]byte{"signing.asc": gittest.ArmoredPrivateKey(t, key, "pass phrase"), "passphrase": []byte("pass phrase")})

	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	v1 := repo.CommitSigned(map[string]string{
		"app/kustomization.yaml": kustomization("cloneset.yaml"),
		"app/cloneset.yaml":      demoCloneSet("demo:1", 0),
	}, "demo 1", key)
	s := spec(repo.FileURL())
	s.Verify = &v1alpha1.Verification{SecretRef: v1alpha1.LocalObjectReference{Name: "trusted"}}
	e.createGitSync("app", s)
	e.start(func(o *gitsync.Options) { o.Schedule.Cron = schedule.CronOptions{Seconds: true} })
	e.waitFor("app", 60*time.Second, "signed version 1 applied", appliedAt(v1))

	unsigned := repo.Commit(map[string]string{"app/cloneset.yaml": demoCloneSet("demo:evil", 0)}, "unsigned")
	e.waitFor("app", 30*time.Second, "unsigned commit refused", func(gs *v1alpha1.GitSync) bool {
		_, reason, msg := ready(gs)
		return gs.Status.LastAttemptedRevision == "main@sha1:"+unsigned && reason == string(gitsync.ReasonVerificationFailed) &&
			strings.Contains(msg, "not signed") && appliedAt(v1)(gs)
	})
	v2 := repo.CommitSigned(map[string]string{"app/cloneset.yaml": demoCloneSet("demo:2", 3)}, "demo 2: batch 1 of 3", key)
	e.waitFor("app", 60*time.Second, "signed batch 1 held", func(gs *v1alpha1.GitSync) bool {
		b := gs.Status.Batches
		return appliedAt(v2)(gs) && len(b) == 1 && b[0].Batch != nil && *b[0].Batch == 1 && b[0].Healthy
	})

	// a schedule without a signing key: refused, nothing committed
	e.updateGitSync("app", func(gs *v1alpha1.GitSync) {
		gs.Spec.Schedule = &schedule.Schedule{Advance: []schedule.AdvanceTrigger{
			{Cron: "*/2 * * * * *", RequireHealthyFor: &metav1.Duration{Duration: time.Second}},
		}}
	})
	e.waitEvent(30*time.Second, string(gitsync.ReasonAdvanceFailed), "spec.verify.signingKeyRef is not set")
	if head := strings.TrimSpace(repo.BareGit("rev-parse", "main")); head != v2 {
		t.Fatalf("main moved to %s without a signing key, want %s", head, v2)
	}

	// with one, but an unsigned commit on the branch: ferry must not sign a
	// commit on top of it (its signature would carry the unsigned change in)
	evil := repo.Commit(map[string]string{"app/cloneset.yaml": demoCloneSet("demo:evil", 3)}, "unsigned again")
	e.updateGitSync("app", func(gs *v1alpha1.GitSync) {
		gs.Spec.Verify.SigningKeyRef = &v1alpha1.LocalObjectReference{Name: "signer"}
	})
	e.waitEvent(30*time.Second, string(gitsync.ReasonAdvanceFailed), "ferry advances only on top of what it applied")
	if head := strings.TrimSpace(repo.BareGit("rev-parse", "main")); head != evil {
		t.Fatalf("main moved to %s on top of the refused unsigned commit %s", head, evil)
	}

	// a signed commit on top: ferry signs its commits, verifies them and
	// applies them
	repo.CommitSigned(map[string]string{"app/cloneset.yaml": demoCloneSet("demo:2", 3)}, "demo 2 again, signed", key)
	done := e.waitFor("app", 90*time.Second, "batch 3 of 3 by schedule, signed", func(gs *v1alpha1.GitSync) bool {
		b := gs.Status.Batches
		return len(b) == 1 && b[0].Batch != nil && *b[0].Batch == 3 && b[0].Healthy
	})
	head := strings.TrimSpace(repo.BareGit("rev-parse", "main"))
	if !appliedAt(head)(done) {
		t.Fatalf("applied %s, want main's head %s (ferry's own signed commit)", done.Status.LastAppliedRevision, head)
	}
	if log := repo.BareGit("log", "--format=%s", "-2", "main"); !strings.HasPrefix(log, "rollout(") {
		t.Fatalf("the last commits are not ferry's advances:\n%s", log)
	}
}

// A GitSync whose Secret holds an SSH public key (*.pub) applies commits
// signed with that key, as `git config gpg.format ssh` signs them, and
// refuses one signed by another SSH key, naming its fingerprint.
func TestGitSyncVerifiesSSHSignedCommits(t *testing.T) {
	e := newEnv(t)
	trusted, _ := gittest.NewSSHKey(t)
	stranger, _ := gittest.NewSSHKey(t)
	e.secret("trusted", map[string][]byte{"deploy.pub": gittest.AuthorizedKey(trusted.PublicKey(), "deploy bot")})

	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	v1 := repo.CommitSignedWith(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml"),
		"app/a.yaml":             configMap("a", "1"),
	}, "a 1", gittest.SSHSigner{Key: trusted})
	s := spec(repo.FileURL())
	s.Verify = &v1alpha1.Verification{SecretRef: v1alpha1.LocalObjectReference{Name: "trusted"}}
	e.createGitSync("app", s)
	e.start(nil)
	e.waitFor("app", 30*time.Second, "SSH-signed commit applied", appliedAt(v1))

	foreign := repo.CommitSignedWith(map[string]string{"app/a.yaml": configMap("a", "evil")}, "a evil", gittest.SSHSigner{Key: stranger})
	e.waitFor("app", 30*time.Second, "commit signed by another SSH key refused", func(gs *v1alpha1.GitSync) bool {
		_, reason, msg := ready(gs)
		return gs.Status.LastAttemptedRevision == "main@sha1:"+foreign && reason == string(gitsync.ReasonVerificationFailed) &&
			strings.Contains(msg, ssh.FingerprintSHA256(stranger.PublicKey())) && appliedAt(v1)(gs)
	})
	if got := e.configMaps()["a"]; got != "1" {
		t.Fatalf("ConfigMap a = %q after a refused commit, want 1", got)
	}
}

// A GitSync that trusts only an SSH key advances on a schedule with an SSH
// signing key (signing.key): ferry's advance commits carry SSH signatures
// that its own verification accepts, up to the last batch.
func TestSSHVerifiedGitSyncAdvancesWithAnSSHKey(t *testing.T) {
	e := newEnv(t)
	enginetest.Start(t, e.c.Config, e.ns)
	key, keyPEM := gittest.NewSSHKey(t)
	e.secret("trusted", map[string][]byte{"deploy.pub": gittest.AuthorizedKey(key.PublicKey(), "deploy bot")})
	e.secret("signer", map[string][]byte{"signing.key": keyPEM})

	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	signer := gittest.SSHSigner{Key: key}
	repo.CommitSignedWith(map[string]string{
		"app/kustomization.yaml": kustomization("cloneset.yaml"),
		"app/cloneset.yaml":      demoCloneSet("demo:1", 0),
	}, "demo 1", signer)
	v2 := repo.CommitSignedWith(map[string]string{"app/cloneset.yaml": demoCloneSet("demo:2", 3)}, "demo 2: batch 1 of 3", signer)
	s := spec(repo.FileURL())
	s.Verify = &v1alpha1.Verification{SecretRef: v1alpha1.LocalObjectReference{Name: "trusted"},
		SigningKeyRef: &v1alpha1.LocalObjectReference{Name: "signer"}}
	e.createGitSync("app", s)
	e.start(func(o *gitsync.Options) { o.Schedule.Cron = schedule.CronOptions{Seconds: true} })
	e.waitFor("app", 60*time.Second, "signed batch 1 applied", func(gs *v1alpha1.GitSync) bool {
		b := gs.Status.Batches
		return appliedAt(v2)(gs) && len(b) == 1 && b[0].Batch != nil && *b[0].Batch == 1 && b[0].Healthy
	})
	e.updateGitSync("app", func(gs *v1alpha1.GitSync) {
		gs.Spec.Schedule = &schedule.Schedule{Advance: []schedule.AdvanceTrigger{
			{Cron: "*/2 * * * * *", RequireHealthyFor: &metav1.Duration{Duration: time.Second}},
		}}
	})
	done := e.waitFor("app", 90*time.Second, "batch 3 of 3 by schedule, SSH-signed", func(gs *v1alpha1.GitSync) bool {
		b := gs.Status.Batches
		return len(b) == 1 && b[0].Batch != nil && *b[0].Batch == 3 && b[0].Healthy
	})
	head := strings.TrimSpace(repo.BareGit("rev-parse", "main"))
	if !appliedAt(head)(done) {
		t.Fatalf("applied %s, want main's head %s (ferry's own SSH-signed commit)", done.Status.LastAppliedRevision, head)
	}
	if sig := repo.BareGit("cat-file", "commit", head); !strings.Contains(sig, "-----BEGIN SSH SIGNATURE-----") || !strings.Contains(sig, "rollout(") {
		t.Fatalf("main's head is not ferry's SSH-signed advance:\n%s", sig)
	}
}
