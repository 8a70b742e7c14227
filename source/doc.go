// Package source is the git side of ferry's GitOps loop.
//
// It answers four questions for the reconciler, each with a small API:
//
//   - What is the commit at this ref, and did it change? [Fetcher.Fetch]
//     lists the remote refs first (one request on HTTP) and transfers objects
//     only when the resolved commit is not already cached, so an idle poll
//     costs exactly one ls-remote. Objects are fetched shallow (depth 1) into
//     an in-memory store; render reads the returned *object.Commit directly.
//   - Who may fetch it? [AuthFromSecret] turns a Flux-compatible Secret
//     (username/password, bearerToken, ca.crt, identity + known_hosts) into
//     transport credentials. SSH host keys are checked against known_hosts
//     and fail closed.
//   - Is the commit trusted? [Verify] checks the OpenPGP or SSH signature of a
//     commit against a keyring built by [KeyringFromSecret].
//   - When should we look again? [Receiver] turns authenticated push webhooks
//     into callbacks; [Jitter] and [Backoff] compute poll delays as pure
//     functions.
//
// [WriteBack] is the one writer: it edits one file, commits with ferry's
// identity and pushes, refusing to clobber a concurrent push or a user's local
// edits. `ferry advance` and cron advances use it to move a rollout by commit.
//
// # Errors
//
// Every failure carries a kind that the loop tests with errors.Is to choose
// between stalling (nothing will change until a human acts) and retrying:
//
//	ErrInvalid, ErrAuth, ErrServerIdentity, ErrNotFound,
//	ErrUnsignedCommit, ErrUntrustedSignature   -> stall, report the condition
//	ErrTransient                               -> retry with Backoff
//	ErrNonFastForward                          -> write-back: re-fetch, re-apply the edit, retry
//	ErrLocalChanges                            -> write-back: refuse, tell the user
//
// Error strings never contain credentials: secret values from the Secret and
// the userinfo of URLs are scrubbed before a message is built (see [Error]).
//
// # From the GitOps loop
//
// One Fetcher per process; per GitSync and poll, roughly:
//
//	auth, err := source.AuthFromSecret(secret.Data, gs.Spec.URL)     // nil Secret: anonymous
//	res, err := fetcher.Fetch(ctx, source.Request{
//		URL: gs.Spec.URL, Ref: gs.Spec.Ref, Auth: auth,
//		LastRevision: gs.Status.LastAppliedRevision, Timeout: gs.Spec.Timeout,
//	})
//	if gs.Spec.Verify != nil {
//		keyring, err := source.KeyringFromSecret(verifySecret.Data)
//		signer, err := source.VerifyResult(res, gs.Spec.Verify.Mode, keyring, now)
//	}
//	tree, err := res.Commit.Tree()                                    // render reads this
//	delay := source.NextPoll(source.DefaultPollOptions(), gs.Spec.Interval, failures, rng)
//
// Mount a [Receiver] at /hook/ and have its PushFunc enqueue the GitSyncs
// whose URL matches one of Push.RepoURLs ([SameRepository]); the next Fetch
// then costs one ls-remote plus the transfer of the new commit.
//
// Package gittest serves real repositories over file://, HTTP and SSH on
// loopback for tests of the loop itself.
package source
