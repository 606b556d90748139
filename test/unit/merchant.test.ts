import { orderEntry } from '../../db/report/entries';
import { PLATFORM, tallyFor, tallyOf } from '../../db/report/tally';
import { ofStockId, scopedFingerprint, stockId } from '../../domain/merchant';

describe('merchants apart in the store', () => {
  it('keep `default` products at their sku and give every other merchant its own stock id', () => {
    expect(stockId(undefined, 'steam-100')).toBe('steam-100');
    expect(stockId('default', 'steam-100')).toBe('steam-100');
    expect(stockId('acme-cards', 'steam-100')).toBe('acme-cards:steam-100');
    expect(ofStockId('acme-cards:steam-100')).toEqual({ merchantId: 'acme-cards', sku: 'steam-100' });
    expect(ofStockId('steam-100')).toEqual({ merchantId: 'default', sku: 'steam-100' });
    expect(scopedFingerprint('default', 'f')).toBe('f');
    expect(scopedFingerprint('acme-cards', 'f')).not.toBe(scopedFingerprint('other-shop', 'f'));
  });

  it("tally each merchant apart, `default`'s where it was, and the platform's as all of them", () => {
    const at = new Date('2026-11-02T10:00:00Z');
    const order = (id: string, merchantId?: string) => orderEntry({ _id: id, seq: 1, sku: 'steam-100', status: 'DELIVERED', createdAt: at, ...(merchantId ? { merchantId } : {}) });
    const tally = tallyOf([order('a'), order('b', 'default'), order('c', 'acme-cards'), order('d', 'acme-cards')]);
    expect(tally.sales.paid).toBe(2);
    expect(tallyFor(tally, 'default').sales.paid).toBe(2);
    expect(tallyFor(tally, 'acme-cards').sales.paid).toBe(2);
    expect(tallyFor(tally, 'nobody').sales.paid).toBe(0);
    expect(tallyFor(tally, PLATFORM).sales.paid).toBe(4);
  });
});
