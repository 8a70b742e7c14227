// Command localcluster runs a detached local control plane for the demo and
// for manual testing. Use it through hack/cluster, which builds the binaries
// first:
//
//	hack/cluster up       start (or keep) the control plane; prints its env
//	hack/cluster env      print KUBECONFIG and PATH exports
//	hack/cluster status   say whether it runs
//	hack/cluster down     stop exactly the processes up started, remove state
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/ferry-gitops/ferry/test/cluster"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hack/cluster:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	dir := fs.String("dir", defaultDir(), "run directory (certificates, etcd data, logs, kubeconfig)")
	bin := fs.String("bin", "", "directory with the control-plane binaries (from hack/build-controlplane.sh)")
	nodes := fs.Int("nodes", 3, "number of fake kwok nodes")
	if len(args) == 0 {
		return fmt.Errorf("usage: hack/cluster up|down|env|status [--dir DIR]")
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	switch verb {
	case "up":
		if cluster.Running(abs) {
			fmt.Fprintf(os.Stderr, "control plane already running in %s\n", abs)
			printEnv(abs, *bin)
			return nil
		}
		if *bin == "" {
			return fmt.Errorf("--bin is required for up")
		}
		// Whatever is left of an earlier run (a crashed component) goes first.
		if err := cluster.Down(abs); err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		opts := cluster.DefaultOptions(abs, *bin)
		opts.Nodes = *nodes
		opts.Detach = true
		opts.Log = func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
		begin := time.Now()
		if _, err := cluster.Up(ctx, opts); err != nil {
			_ = cluster.Down(abs)
			return err
		}
		fmt.Fprintf(os.Stderr, "control plane ready in %.1fs (run directory %s)\n", time.Since(begin).Seconds(), abs)
		printEnv(abs, *bin)
	case "down":
		if err := cluster.Down(abs); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "control plane in %s stopped\n", abs)
	case "env":
		printEnv(abs, *bin)
	case "status":
		if !cluster.Running(abs) {
			fmt.Printf("not running (%s)\n", abs)
			os.Exit(3)
		}
		fmt.Printf("running (%s)\n", abs)
	default:
		return fmt.Errorf("unknown verb %q: want up, down, env or status", verb)
	}
	return nil
}

func defaultDir() string {
	if d := os.Getenv("FERRY_CLUSTER_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "ferry-cluster")
}

func printEnv(dir, bin string) {
	fmt.Printf("export KUBECONFIG=%s\n", filepath.Join(dir, "kubeconfig"))
	if bin != "" {
		fmt.Printf("export PATH=%s:$PATH\n", bin)
	}
}
