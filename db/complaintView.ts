import { isViewDelta, withEarlierMessages, type ComplaintView, type ComplaintViewDelta } from '../domain/complaint';
import { complaintViewOf } from './schemas';
import type { Store } from './store';

/**
 * A complaint's whole view, from one its workflow sent with only its latest messages: the earlier
 * ones are read from complaint_views, where the workflow's earlier steps have left them. A whole view
 * is answered as it is.
 */
export async function wholeComplaintView(store: Store, view: ComplaintView | ComplaintViewDelta): Promise<ComplaintView> {
  if (!isViewDelta(view)) return view;
  if (view.messagesFrom === 0) return withEarlierMessages(view, []);
  const row = await store.complaintViews.findById(view.complaintId).select('view').lean();
  return withEarlierMessages(view, row ? complaintViewOf(row).messages : []);
}
