// The current release's workflows.
export { order } from './order';
export { complaint } from './complaint';
export { dispute } from './dispute';
export { strayPayment } from './strayPayment';
export { refund } from './refund';
export { restock } from './restock';
// Unchanged since v0.2.0: one code for runs of either release.
export { storefrontNotificationWorkflow } from './notification';
export { reportFoldWorkflow } from './reportFold';
// New in this release.
export { reservationSweepWorkflow } from './reservationSweep';
// New in this release: one workflow per email to a buyer.
export { buyerEmailWorkflow } from './email';
// Release v0.2.0, frozen: its open runs finish on it.
export * from './legacy';
// New in this release: incidents, the watcher that opens them, and the payments their reconciliation finds.
export { incident } from './incident';
export { incidentWatchWorkflow } from './incidentWatch';
export { paymentFoundLate } from './paymentFoundLate';
