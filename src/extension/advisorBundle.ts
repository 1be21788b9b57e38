// The advisor's scanners, parsers and catalogue as a bundle of their own (dist/advisor.js),
// loaded after activation.
export { advise, adviseFile, silenceSummary } from '../core/advisor/advise';
