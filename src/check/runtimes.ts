// The runtimes whose configuration check reads (routes/index.ts has one route per name); a leaf
// module, so the command's options and the routes share the names without importing each other.
export const CHECK_RUNTIME_NAMES = ['containerd', 'docker', 'podman', 'crio', 'k3s', 'rke2'] as const;
export type CheckRuntime = (typeof CHECK_RUNTIME_NAMES)[number];
