package main

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kubeFlags are the kubectl-style connection flags every command that talks
// to a cluster takes.
type kubeFlags struct {
	kubeconfig string
	context    string
	namespace  string
}

// addFlags registers --kubeconfig and --context, and -n/--namespace unless
// namespaceHelp is empty (a command whose --namespace means something else).
func (k *kubeFlags) addFlags(fs *pflag.FlagSet, namespaceHelp string) {
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
	fs.StringVar(&k.context, "context", "", "kubeconfig context to use")
	if namespaceHelp != "" {
		fs.StringVarP(&k.namespace, "namespace", "n", "", namespaceHelp)
	}
}

func (k *kubeFlags) loader() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if k.kubeconfig != "" {
		rules.ExplicitPath = k.kubeconfig
	}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: k.context})
}

// restConfig loads the connection: --kubeconfig, $KUBECONFIG,
// ~/.kube/config, then the in-cluster service account.
func (k *kubeFlags) restConfig() (*rest.Config, error) {
	cfg, err := k.loader().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.UserAgent = "ferry"
	return cfg, nil
}

// namespaceOr is --namespace, else the kubeconfig context's namespace, else def.
func (k *kubeFlags) namespaceOr(def string) string {
	if k.namespace != "" {
		return k.namespace
	}
	if ns, _, err := k.loader().Namespace(); err == nil && ns != "" {
		return ns
	}
	return def
}
