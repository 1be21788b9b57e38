/** Injected by esbuild from package.json's version. */
declare const CARBONLENS_VERSION: string;
/** The onnxruntime-node version in package.json, set at build time. */
declare const CARBONLENS_ORT_VERSION: string;
