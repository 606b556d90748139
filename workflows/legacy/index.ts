/**
 * Release v0.2.0's workflows, frozen: orders, complaints, disputes and stray payments begun on it
 * finish on this code, under the type names they began with. Nothing here changes again; it is
 * removed once no run of these types is open (see the README, "Releases").
 */
export { orderWorkflow } from './order';
export { complaintWorkflow } from './complaint';
export { disputeWorkflow } from './dispute';
export { strayPaymentWorkflow } from './strayPayment';
