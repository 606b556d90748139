import { EpayStandIn } from '../../support/rails/epay';
import { railSuite } from '../../support/rails/suite';

describe('the epay rail end to end', () => {
  railSuite(new EpayStandIn());
});
