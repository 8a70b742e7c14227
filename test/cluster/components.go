package cluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// ports are the loopback ports of one control plane, chosen free at start so
// that parallel runs (several test packages, a demo) never collide.
type ports struct {
	etcdClient, etcdPeer, apiserver, scheduler, controllerManager, kwok int
}

func freePorts() (ports, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	next := func() (int, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		ls = append(ls, l) // held open until all are chosen, so none repeats
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	var p ports
	for _, dst := range []*int{&p.etcdClient, &p.etcdPeer, &p.apiserver, &p.scheduler, &p.controllerManager, &p.kwok} {
		n, err := next()
		if err != nil {
			return p, fmt.Errorf("choose a free port: %w", err)
		}
		*dst = n
	}
	return p, nil
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// components returns the command lines of the control plane, in start order.
func components(dir, bin string, p ports, certs *pki, kubeconfig string) ([]component, error) {
	etcdURL := "http://" + addr(p.etcdClient)
	peerURL := "http://" + addr(p.etcdPeer)
	schedulerConfig := filepath.Join(dir, "scheduler.yaml")
	// Scheduling 1,000 pods at the default 50 QPS takes 20 s; the benchmarks
	// compare rollout engines, not client throttling, so every component gets
	// the same generous client limits.
	if err := os.WriteFile(schedulerConfig, []byte(fmt.Sprintf(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %s
  qps: 500
  burst: 1000
leaderElection:
  leaderElect: false
`, kubeconfig)), 0o644); err != nil {
		return nil, err
	}
	return []component{
		{name: "etcd", bin: filepath.Join(bin, "etcd"), args: []string{
			"--name=ferry-local",
			"--data-dir=" + filepath.Join(dir, "etcd"),
			"--listen-client-urls=" + etcdURL,
			"--advertise-client-urls=" + etcdURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=ferry-local=" + peerURL,
			"--unsafe-no-fsync=true", // a throwaway test store: durability buys nothing
			"--quota-backend-bytes=4294967296",
			"--log-level=warn",
		}},
		{name: "kube-apiserver", bin: filepath.Join(bin, "kube-apiserver"), args: []string{
			"--etcd-servers=" + etcdURL,
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p.apiserver),
			// A loopback advertise address is refused unless the endpoint
			// reconciler is off; there is no service network here anyway.
			"--advertise-address=127.0.0.1",
			"--endpoint-reconciler-type=none",
			"--tls-cert-file=" + certs.ServingCert,
			"--tls-private-key-file=" + certs.ServingKey,
			"--client-ca-file=" + certs.CACert,
			"--service-account-key-file=" + certs.SAPub,
			"--service-account-signing-key-file=" + certs.SAKey,
			"--service-account-issuer=https://kubernetes.default.svc",
			"--service-cluster-ip-range=10.0.0.0/24",
			"--authorization-mode=RBAC",
			"--allow-privileged=true",
			"--max-requests-inflight=1000",
			"--max-mutating-requests-inflight=500",
			"--cert-dir=" + filepath.Join(dir, "apiserver-certs"),
			"--v=1",
		}},
		{name: "kube-controller-manager", bin: filepath.Join(bin, "kube-controller-manager"), args: []string{
			"--kubeconfig=" + kubeconfig,
			"--authentication-kubeconfig=" + kubeconfig,
			"--authorization-kubeconfig=" + kubeconfig,
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p.controllerManager),
			"--cert-dir=" + filepath.Join(dir, "kcm-certs"),
			"--leader-elect=false",
			"--service-account-private-key-file=" + certs.SAKey,
			"--root-ca-file=" + certs.CACert,
			"--controllers=*,-csrsigning,-nodeipam",
			"--kube-api-qps=500",
			"--kube-api-burst=1000",
			"--concurrent-deployment-syncs=10",
			"--concurrent-replicaset-syncs=10",
			"--v=1",
		}},
		{name: "kube-scheduler", bin: filepath.Join(bin, "kube-scheduler"), args: []string{
			"--config=" + schedulerConfig,
			"--authentication-kubeconfig=" + kubeconfig,
			"--authorization-kubeconfig=" + kubeconfig,
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p.scheduler),
			"--cert-dir=" + filepath.Join(dir, "scheduler-certs"),
			"--v=1",
		}},
		{name: "kwok", bin: filepath.Join(bin, "kwok"), args: []string{
			"--kubeconfig=" + kubeconfig,
			"--config=" + filepath.Join(dir, "kwok-stages.yaml"),
			"--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=fake",
			"--server-address=" + addr(p.kwok),
			"--cidr=10.64.0.1/12", // room for thousands of pod IPs
			"--node-ip=10.255.0.1",
			// Renew node Leases as a kubelet does. Without them the nodes'
			// only heartbeat is the node-heartbeat stage (every 300 s), the
			// node lifecycle controller declares them NotReady in between
			// and marks their pods not ready mid-test.
			"--node-lease-duration-seconds=40",
		}},
	}, nil
}

// kubeconfigYAML is an admin kubeconfig for the local apiserver.
func kubeconfigYAML(server string, certs *pki) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: ferry-local
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: ferry-admin
  user:
    client-certificate: %s
    client-key: %s
contexts:
- name: ferry-local
  context:
    cluster: ferry-local
    user: ferry-admin
    namespace: default
current-context: ferry-local
`, server, certs.CACert, certs.AdminCert, certs.AdminKey)
}
