package advance

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferry-gitops/ferry/source"
)

// Message is the commit message convention, one line that `git log --grep
// 'rollout(default/demo)'` finds:
//
//	rollout(default/demo): batch 2/3 (partition 3→1)
//	rollout(default/demo): batch 2/3 (partition 80%→50%)
//	rollout(default/demo): partition 3→1                  (no plan)
//
// Partitions are as written in git.
func (c *Change) Message() string {
	from, to := c.Step.From.Value.String(), c.Step.To.Value.String()
	if c.Step.To.Total == 0 {
		return fmt.Sprintf("rollout(%s/%s): partition %s→%s", c.Namespace, c.Name, from, to)
	}
	return fmt.Sprintf("rollout(%s/%s): batch %d/%d (partition %s→%s)",
		c.Namespace, c.Name, c.Step.To.Batch, c.Step.To.Total, from, to)
}

// Edit is the change as a source.EditFunc: it refuses a file that is not
// the one the change was planned on.
func (c *Change) Edit(old []byte) ([]byte, error) {
	if !bytes.Equal(old, c.Old) {
		return nil, fmt.Errorf("%w: %s", ErrFileChanged, c.Site.File)
	}
	return c.New, nil
}

// Commit writes the change with source.WriteBack. wb says where (Dir or
// URL, Branch, Auth, Push, Remote) and as whom (Author, When, SignKey);
// Path, Edit and Expect come from the change, and Message too unless wb
// sets one. The commit is made on Change.Parent only: a branch that moved
// fails with source.ErrNonFastForward and nothing is written.
func Commit(ctx context.Context, c *Change, wb source.WriteBackRequest) (source.WriteBackResult, error) {
	wb.Path, wb.Edit, wb.Expect = c.Site.File, c.Edit, c.Parent.String()
	if wb.Message == "" {
		wb.Message = c.Message()
	}
	res, err := source.WriteBack(ctx, wb)
	if err != nil {
		return res, fmt.Errorf("commit %s/%s %s: %w", c.Namespace, c.Name, c.Step, err)
	}
	return res, nil
}

// SnapshotFunc returns the commit to plan on: the current tip of the branch
// the change will be committed to (a fetch for a remote, HEAD for a clone).
type SnapshotFunc func(ctx context.Context) (*object.Commit, error)

// Run plans and commits one advance. When the branch moves between the
// plan and the commit (source.ErrNonFastForward), it takes a new snapshot,
// plans again and commits once more; a second plan that finds the target
// already in git returns ErrAlreadyAtBatch, so a concurrent identical
// advance is not committed twice. The change is returned with the result,
// including on errors after planning.
func Run(ctx context.Context, snapshot SnapshotFunc, req Request, wb source.WriteBackRequest) (*Change, source.WriteBackResult, error) {
	var (
		ch  *Change
		res source.WriteBackResult
		err error
	)
	for attempt := 0; attempt < 2; attempt++ {
		if req.Commit, err = snapshot(ctx); err != nil {
			return ch, res, err
		}
		if ch, err = Plan(ctx, req); err != nil {
			return ch, res, err
		}
		res, err = Commit(ctx, ch, wb)
		if !errors.Is(err, source.ErrNonFastForward) {
			break
		}
	}
	return ch, res, err
}

// Lines are the edited line before and after, without line breaks.
func (c *Change) Lines() (before, after string) {
	return lineOf(c.Old, c.Site.Line), lineOf(c.New, c.Site.Line)
}

func lineOf(b []byte, n int) string {
	l, _ := newText(b).line(n)
	return string(l)
}
