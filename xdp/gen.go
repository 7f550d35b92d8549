package xdp

// Regenerate the BPF objects and their Go bindings (needs clang, llvm-strip
// and libbpf-dev; the generated files are committed so that a plain go build
// needs none of them):
//
//	go generate ./xdp/
//
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -target bpfel -cflags "-O2 -g -Wall -Werror -mcpu=v3 -I/usr/include/x86_64-linux-gnu" argo bpf/argo.c
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -target bpfel -no-global-types -cflags "-O2 -g -Wall -Werror -I/usr/include/x86_64-linux-gnu" argoPass bpf/pass.c
