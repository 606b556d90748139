// The current release's workflows.
export { order } from './order';
export { complaint } from './complaint';
export { dispute } from './dispute';
export { strayPayment } from './strayPayment';
export { restock } from './restock';
// Unchanged since v0.2.0: one code for runs of either release.
export { storefrontNotificationWorkflow } from './notification';
export { reportFoldWorkflow } from './reportFold';
// Release v0.2.0, frozen: its open runs finish on it.
export * from './legacy';
