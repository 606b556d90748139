import { StripeStandIn } from '../../support/rails/stripe';
import { railSuite } from '../../support/rails/suite';

describe('the stripe rail end to end', () => {
  railSuite(new StripeStandIn());
});
