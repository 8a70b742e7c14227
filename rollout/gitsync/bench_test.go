package gitsync_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/source"
	"github.com/ferry-gitops/ferry/source/gittest"
)

const (
	// latencySamples commits are timed per trigger.
	latencySamples = 9
	// latencyPollInterval is the poll interval of the polled GitSync.
	latencyPollInterval = 2 * time.Second
)

// BenchmarkCommitToApplied times a commit from the moment it is pushed to
// the served repository until the GitSync's status.lastAppliedRevision
// names it (the changed ConfigMap is then checked in the cluster), two ways
// in one run:
//   - push: a GitHub-style webhook, sent right after the push, and a poll
//     interval of an hour, so only the hook can trigger the sync;
//   - poll: no hook, spec.interval 2s, no jitter. Commits land at evenly
//     spread phases of the poll timer, so the samples' mean is what a commit
//     at a random moment waits: about interval/2 (reported as
//     poll-expected-ms) plus one sync.
//
// It reports p50 and max in ms of each and poll-p50 over push-p50.
func BenchmarkCommitToApplied(b *testing.B) {
	e := newEnv(b)
	root := b.TempDir()
	srv := gittest.NewHTTPServer(b, root, gittest.HTTPOptions{})
	pushRepo := gittest.NewRepo(b, root, "push.git")
	pollRepo := gittest.NewRepo(b, root, "poll.git")
	app := func(name string) map[string]string {
		return map[string]string{"app/kustomization.yaml": kustomization(name + ".yaml"), "app/" + name + ".yaml": configMap(name, "0")}
	}
	pushFirst := pushRepo.Commit(app("pushed"), "first")
	pollFirst := pollRepo.Commit(app("polled"), "first")
	secret := []byte("bench-hook-secret")
	if _, err := e.c.Client.CoreV1().Secrets(e.ns).Create(b.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "hook"}, Data: map[string][]byte{"token": secret}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	pushSpec := spec(srv.RepoURL("push.git"))
	pushSpec.Interval = &metav1.Duration{Duration: time.Hour}
	pushSpec.Webhook = &v1alpha1.Webhook{SecretRef: v1alpha1.LocalObjectReference{Name: "hook"}}
	e.createGitSync("push", pushSpec)
	pollSpec := spec(srv.RepoURL("poll.git"))
	pollSpec.Interval = &metav1.Duration{Duration: latencyPollInterval}
	e.createGitSync("poll", pollSpec)
	e.start(nil)
	e.waitFor("push", time.Minute, "first sync", appliedAt(pushFirst))
	e.waitFor("poll", time.Minute, "first sync", appliedAt(pollFirst))

	hooks := gitsync.NewHooks(e.c.Client, e.dyn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hook := httptest.NewServer(hooks.Handler(source.DefaultReceiverOptions()))
	b.Cleanup(hook.Close)
	notify := func(rev string) {
		body := []byte(fmt.Sprintf(`{"ref":"refs/heads/main","after":%q,"repository":{"clone_url":%q}}`, rev, srv.RepoURL("push.git")))
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		req, err := http.NewRequest(http.MethodPost, hook.URL+"/hook/github/"+e.ns+"/push", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("push hook answered %d, want 202", resp.StatusCode)
		}
	}

	var pushed, polled []time.Duration
	b.ResetTimer()
	for n := range b.N {
		for i := range latencySamples {
			d, _ := e.commitToApplied(pushRepo, "push", "pushed", fmt.Sprintf("%d-%d", n, i), notify)
			pushed = append(pushed, d)
		}
		// A first commit, not counted, to learn the poll timer's phase: the
		// next poll is due one interval after a sync was seen.
		_, anchor := e.commitToApplied(pollRepo, "poll", "polled", fmt.Sprintf("%d-phase", n), nil)
		for i := range latencySamples {
			phase := time.Duration((float64(i) + 0.5) / latencySamples * float64(latencyPollInterval))
			time.Sleep(time.Until(anchor.Add(phase)))
			var d time.Duration
			d, anchor = e.commitToApplied(pollRepo, "poll", "polled", fmt.Sprintf("%d-%d", n, i), nil)
			polled = append(polled, d)
		}
	}
	b.StopTimer()
	var sum time.Duration
	for _, d := range polled {
		sum += d
	}
	b.ReportMetric(ms(percentile(pushed, 50)), "push-p50-ms")
	b.ReportMetric(ms(percentile(pushed, 100)), "push-max-ms")
	b.ReportMetric(ms(percentile(polled, 50)), "poll-p50-ms")
	b.ReportMetric(ms(percentile(polled, 100)), "poll-max-ms")
	b.ReportMetric(ms(sum/time.Duration(len(polled))), "poll-mean-ms")
	b.ReportMetric(ms(latencyPollInterval/2), "poll-expected-ms")
	b.ReportMetric(float64(percentile(polled, 50))/float64(percentile(pushed, 50)), "poll/push-p50")
	b.Logf("push samples %v; poll samples %v", pushed, polled)
}

// commitToApplied sets the ConfigMap cm of app/ to value in repo and calls
// notify (the push hook; nil when polling). It returns the time from the
// end of the push until the GitSync's status named the commit, and when
// that was seen.
func (e *env) commitToApplied(repo *gittest.Repo, name, cm, value string, notify func(rev string)) (time.Duration, time.Time) {
	e.t.Helper()
	w := e.watchGitSyncs(name)
	defer w.Stop()
	rev := repo.Commit(map[string]string{"app/" + cm + ".yaml": configMap(cm, value)}, "set "+value)
	start := time.Now()
	if notify != nil {
		notify(rev)
	}
	seen := e.awaitAll(w, 1, 30*time.Second, "applied "+rev, appliedAt(rev))
	if got := e.configMaps()[cm]; got != value {
		e.t.Fatalf("ConfigMap %s/%s = %q after %s was applied, want %q", e.ns, cm, got, rev, value)
	}
	return seen.Sub(start), seen
}

const (
	idlePollInterval = 500 * time.Millisecond
	// idlePolls polls are measured per round.
	idlePolls = 16
)

// BenchmarkIdlePoll measures what a poll that finds no new commit costs
// through the whole loop, for a GitSync of one application (fleetApp, 10
// objects) of a 10-application repository served over smart HTTP: the
// requests and bytes to the git host, and the requests to the
// kube-apiserver (counted on the loop's own transport), split into reads,
// dry-runs and writes. An idle poll should write nothing; status-writes/poll
// says whether the GitSync's status is rewritten anyway.
func BenchmarkIdlePoll(b *testing.B) {
	e := newEnv(b)
	root := b.TempDir()
	srv := gittest.NewHTTPServer(b, root, gittest.HTTPOptions{})
	repo := gittest.NewRepo(b, root, "fleet.git")
	rev := repo.Commit(fleet(10), "ten applications")
	counter := &apiCounter{}
	e.startWith(counter.config(e.c.Config), nil)
	e.createGitSync("idle", v1alpha1.GitSyncSpec{URL: srv.RepoURL("fleet.git"), Path: fleetPath(0),
		Interval: &metav1.Duration{Duration: idlePollInterval}})
	e.waitFor("idle", time.Minute, "Ready", readyAt(rev))
	e.awaitPolls(2) // the polls right after the first sync may still record health

	var api apiCounts
	var gitRequests, gitIn, gitOut, polls, fetches int64
	rv := e.gitSync("idle").ResourceVersion
	b.ResetTimer()
	for range b.N {
		e.awaitPolls(1)
		srv.Reset()
		before, f0 := counter.snapshot(), e.fetcher.Stats()
		e.awaitPolls(idlePolls)
		delta, f1 := counter.snapshot().since(before), e.fetcher.Stats()
		api = addCounts(api, delta)
		gitRequests, gitIn, gitOut = gitRequests+srv.Requests(), gitIn+srv.BytesIn(), gitOut+srv.BytesOut()
		polls += f1.LsRemotes - f0.LsRemotes
		fetches += f1.Fetches - f0.Fetches
	}
	b.StopTimer()
	if gs := e.gitSync("idle"); gs.Status.LastAppliedRevision != "main@sha1:"+rev {
		b.Fatalf("lastAppliedRevision %s, want %s", gs.Status.LastAppliedRevision, rev)
	} else if gs.ResourceVersion != rv {
		b.Logf("the GitSync changed during idle polls (resourceVersion %s → %s)", rv, gs.ResourceVersion)
	}
	p := float64(polls)
	b.ReportMetric(float64(gitRequests)/p, "git-requests/poll")
	b.ReportMetric(float64(gitIn)/p, "git-req-bytes/poll")
	b.ReportMetric(float64(gitOut)/p, "git-resp-bytes/poll")
	b.ReportMetric(float64(fetches)/p, "git-fetches/poll")
	b.ReportMetric(float64(api.total(nil))/p, "api-calls/poll")
	b.ReportMetric(float64(api.total(func(k string) bool { return !isWrite(k) && !isDryRun(k) }))/p, "api-reads/poll")
	b.ReportMetric(float64(api.total(isDryRun))/p, "api-dry-runs/poll")
	b.ReportMetric(float64(api.total(isWrite))/p, "api-writes/poll")
	b.ReportMetric(float64(api.total(isStatusWrite))/p, "status-writes/poll")
	b.ReportMetric(float64(api.RespBytes)/p, "api-resp-bytes/poll")
	b.Logf("%d idle polls of %d objects; API requests: %s", polls, fleetObjects, api)
}

func addCounts(a, b apiCounts) apiCounts {
	out := apiCounts{ByKind: map[string]int64{}, RespBytes: a.RespBytes + b.RespBytes}
	for _, c := range []apiCounts{a, b} {
		for k, v := range c.ByKind {
			out.ByKind[k] += v
		}
	}
	return out
}

// awaitPolls waits until the loop has polled n more times (ls-remotes of
// its fetcher), and then half an interval more so the last poll is done.
func (e *env) awaitPolls(n int64) {
	e.t.Helper()
	want := e.fetcher.Stats().LsRemotes + n
	deadline := time.Now().Add(time.Duration(n+10) * idlePollInterval * 4)
	for e.fetcher.Stats().LsRemotes < want {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d polls did not happen in time", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(idlePollInterval / 2)
}

// readyAt: rev is applied and Ready is True.
func readyAt(rev string) func(*v1alpha1.GitSync) bool {
	applied := appliedAt(rev)
	return func(gs *v1alpha1.GitSync) bool {
		st, _, _ := ready(gs)
		return applied(gs) && st == "True"
	}
}

// hundredApps GitSyncs of fleetObjects objects each.
const hundredApps = 100

// BenchmarkHundredGitSyncs starts 100 GitSyncs at once, one per
// application of one repository (1,000 objects: ConfigMaps, Secrets,
// headless Services, Deployments of zero replicas), and times them until
// all are Ready=True. Against it, in the same run and on the same cluster:
// `kubectl apply --server-side -f` of the same 1,000 objects (rendered by
// `kubectl kustomize`, untimed) into another fresh namespace, alone
// (kubectl-apply-s) and until the cluster reports every Deployment rolled
// out and Available (kubectl-ready-s; ferry's Ready includes that health).
//
// The loop runs with 4 workers and the 2 s progress interval of
// DefaultOptions, and without a client-side rate limit, as the kubectl
// peer runs (it sent its 1,000 requests at over 200 a second): the time is
// the pipeline's and the apiserver's. `ferry run` limits its clients to
// --kube-api-qps 100 after a --kube-api-burst of 200; limiter-floor-s,
// (requests for the applied objects - 200) / 100, is the least the same
// work takes there, whatever the pipeline's speed.
//
// ferry's memory is the test process's: the Go heap's peak above the
// baseline taken before the GitSyncs exist (sampled every 50 ms), what
// stays live after a GC at the end (informer caches, the fetcher's
// snapshot), bytes allocated, and the process's peak RSS (VmHWM, reset at
// the start). kubectl's is its peak RSS.
func BenchmarkHundredGitSyncs(b *testing.B) {
	e0 := newEnv(b) // CRDs, and the cluster
	c := e0.c
	root := b.TempDir()
	srv := gittest.NewHTTPServer(b, root, gittest.HTTPOptions{})
	repo := gittest.NewRepo(b, root, "fleet.git")
	rev := repo.Commit(fleet(hundredApps), "a hundred applications")
	manifest := renderFleet(b, c, repo.Work)
	runKubectl(b, c, "api-resources") // warm kubectl's discovery cache
	objects := hundredApps * fleetObjects

	var ferryTook, applyTook, waitTook time.Duration
	var mem memUsage
	var kubectlRSS uint64
	var api apiCounts
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		kns := c.Namespace(b)
		b.StartTimer()
		applied := runKubectl(b, c, "apply", "--server-side", "-n", kns, "-f", manifest)
		waitStart := time.Now()
		awaitDeploymentsAvailable(b, c.Client, kns, 2*hundredApps, 5*time.Minute)
		applyTook, waitTook = applyTook+applied.Took, waitTook+time.Since(waitStart)
		kubectlRSS = max(kubectlRSS, applied.MaxRSS)
		if n := countFleet(b, e0.dyn, kns); n != objects {
			b.Fatalf("kubectl created %d objects, want %d", n, objects)
		}

		b.StopTimer()
		e := newEnv(b)
		counter := &apiCounter{}
		cfg := counter.config(e.c.Config)
		cfg.QPS = -1 // no client-side limit
		e.startWith(cfg, func(o *gitsync.Options) {
			o.ProgressInterval = gitsync.DefaultOptions().ProgressInterval
		})
		w := e.watchGitSyncs("")
		sampler := startMemSampler(50 * time.Millisecond)
		b.StartTimer()
		start := time.Now()
		e.createFleetGitSyncs(srv.RepoURL("fleet.git"))
		done := e.awaitAll(w, hundredApps, 5*time.Minute, "all Ready", readyAt(rev))
		ferryTook += done.Sub(start)
		b.StopTimer()
		m := sampler.finish()
		w.Stop()
		mem = memUsage{PeakHeap: max(mem.PeakHeap, m.PeakHeap), RetainedHeap: max(mem.RetainedHeap, m.RetainedHeap),
			Allocated: mem.Allocated + m.Allocated, BaseRSS: max(mem.BaseRSS, m.BaseRSS), PeakRSS: max(mem.PeakRSS, m.PeakRSS)}
		st := e.fetcher.Stats()
		b.Logf("fetcher: %d ls-remotes, %d fetches, %d cache hits", st.LsRemotes, st.Fetches, st.CacheHits)
		api = addCounts(api, counter.snapshot())
		e.halt()
		if n := countFleet(b, e0.dyn, e.ns); n != objects {
			b.Fatalf("ferry created %d objects, want %d", n, objects)
		}
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	sec := func(d time.Duration) float64 { return d.Seconds() / n }
	b.ReportMetric(sec(ferryTook), "ferry-ready-s")
	b.ReportMetric(sec(applyTook), "kubectl-apply-s")
	b.ReportMetric(sec(applyTook+waitTook), "kubectl-ready-s")
	b.ReportMetric(ferryTook.Seconds()/applyTook.Seconds(), "ferry/kubectl-apply")
	b.ReportMetric(ferryTook.Seconds()/(applyTook+waitTook).Seconds(), "ferry/kubectl-ready")
	b.ReportMetric(float64(objects)/sec(ferryTook), "ferry-objects/s")
	b.ReportMetric(float64(objects)/sec(applyTook), "kubectl-objects/s")
	b.ReportMetric(mb(mem.PeakHeap), "ferry-heap-peak-MB")
	b.ReportMetric(float64(mem.RetainedHeap)/(1<<20), "ferry-heap-retained-MB")
	b.ReportMetric(mb(mem.Allocated)/n, "ferry-alloc-MB")
	b.ReportMetric(mb(mem.BaseRSS), "process-rss-base-MB")
	b.ReportMetric(mb(mem.PeakRSS), "process-rss-peak-MB")
	b.ReportMetric(mb(kubectlRSS), "kubectl-rss-peak-MB")
	b.ReportMetric(float64(api.total(nil))/n, "ferry-api-calls")
	// client-go's token bucket: the burst goes at once, the rest at QPS.
	b.ReportMetric(max(0, float64(api.total(isObjectRequest))/n-200)/100, "limiter-floor-s")
	b.Logf("ferry's API requests: %s", api)
}

// createFleetGitSyncs creates one GitSync per application of the fleet at
// url, several at a time.
func (e *env) createFleetGitSyncs(url string) {
	e.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, hundredApps)
	next := make(chan int)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				gs := &v1alpha1.GitSync{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("a%02d", i), Namespace: e.ns},
					Spec: v1alpha1.GitSyncSpec{URL: url, Path: fleetPath(i)}}
				u, err := gitsync.ToUnstructured(gs)
				if err == nil {
					delete(u.Object, "status")
					_, err = e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Create(e.t.Context(), u, metav1.CreateOptions{})
				}
				if err != nil {
					errs <- fmt.Errorf("GitSync %s/%s: %w", e.ns, gs.Name, err)
				}
			}
		}()
	}
	for i := range hundredApps {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
}
