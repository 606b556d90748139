import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes ops filter by in the Temporal UI; registered by the stack launcher. */
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const SKU = defineSearchAttributeKey('Sku', SearchAttributeType.KEYWORD);
export const COMPLAINT_STATUS = defineSearchAttributeKey('ComplaintStatus', SearchAttributeType.KEYWORD);
/** The merchant whose order it is (`default` for the first shop's). */
export const MERCHANT = defineSearchAttributeKey('Merchant', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = [ORDER_STATUS, SKU, COMPLAINT_STATUS, MERCHANT];
