/** Injected by esbuild from package.json's version. */
declare const CARBONLENS_VERSION: string;
