// src/trust: the signature policy, between the loaded model and the served one (docs/design/snapshot.md).
export { applyPolicy } from './apply.js';
export { loadPolicy, type Policy, type PolicyOptions } from './policy.js';
export { recordName, trustLines, trustSummary } from './report.js';
