export { orderWorkflow } from './order';
export { storefrontNotificationWorkflow } from './notification';
export { strayPaymentWorkflow } from './strayPayment';
export { complaintWorkflow } from './complaint';
export { reportFoldWorkflow } from './reportFold';
export { disputeWorkflow } from './dispute';
