import { isDuration, parseDuration } from '../../domain/duration';
import { maskCode, maskEmail } from '../../domain/masking';
import { formatMoney, multiply, sameMoney } from '../../domain/money';
import { REPLY_MAX_CHARS, alreadyPosted, replyContent, replyId, sameReply } from '../../domain/providerReply';
import { NO_PASS, addPasses, countOffer, outcomeOfAnswer, restockWorkflowId } from '../../domain/restock';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    [' 3d ', 259_200_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  it.each(['', '15', 'm', '15x', '1.5h', '-5m', '0s', '0d', '15 m', '15M', '1h30m', 'PT15M'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/duration|longer than zero/);
    expect(isDuration(text)).toBe(false);
  });
});

describe('masking', () => {
  it.each([
    'STEAM-AAAA-1111-ZZ01',
    'ABCDEFGHI',
    'ABCDEFGH',
    'ABCDE',
    'ABC',
    'AB',
    'A',
    'XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-1234',
  ])('shows at most the last 4 characters of %s', (code) => {
    const masked = maskCode(code);
    const visible = masked.replace(/^\*+/, '');
    expect(visible.length).toBeLessThanOrEqual(4);
    expect(code.endsWith(visible)).toBe(true);
    // Short codes are never shown whole, and the mask does not tell a short code's length.
    expect(visible.length).toBeLessThan(code.length);
    expect(masked.length).toBeGreaterThanOrEqual(4);
    expect(masked.startsWith('****')).toBe(true);
  });

  it('keeps the last 4 of a long code and the length of the rest', () => {
    expect(maskCode('STEAM-AAAA-1111-ZZ01')).toBe('****************ZZ01');
  });

  it('masks an email down to its first character and domain', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
    expect(maskEmail('Bob.Smith+shop@mail.example.cn')).toBe('B***@mail.example.cn');
    expect(maskEmail('x@y.io')).toBe('x***@y.io');
  });

  it.each(['', 'no-at-sign', '@example.com'])('masks %j without revealing it', (email) => {
    expect(maskEmail(email)).toBe('***');
  });

  it('never leaves the local part readable', () => {
    for (const email of ['alice@example.com', 'a.very.long.local.part@example.com', 'al@example.com']) {
      const masked = maskEmail(email);
      expect(masked.slice(0, masked.indexOf('@'))).toBe(`${email[0]}***`);
    }
  });
});

describe('money', () => {
  it('multiplies in minor units, keeping the currency', () => {
    expect(multiply({ amount: 1999, currency: 'CNY' }, 3)).toEqual({ amount: 5997, currency: 'CNY' });
    expect(multiply({ amount: 0, currency: 'USD' }, 10)).toEqual({ amount: 0, currency: 'USD' });
  });

  it('is the same money only with the same amount and currency', () => {
    expect(sameMoney({ amount: 9900, currency: 'CNY' }, { amount: 9900, currency: 'CNY' })).toBe(true);
    expect(sameMoney({ amount: 9900, currency: 'CNY' }, { amount: 9901, currency: 'CNY' })).toBe(false);
    expect(sameMoney({ amount: 9900, currency: 'CNY' }, { amount: 9900, currency: 'USD' })).toBe(false);
  });

  it('formats two-decimal currencies', () => {
    expect(formatMoney({ amount: 1999, currency: 'CNY' })).toBe('19.99 CNY');
    expect(formatMoney({ amount: 5, currency: 'USD' })).toBe('0.05 USD');
    expect(formatMoney({ amount: 500, currency: 'JPY' })).toBe('500 JPY');
    expect(formatMoney({ amount: 123456, currency: 'EUR' })).toBe('1234.56 EUR');
  });
});

describe('replies to a WeChat Pay complaint, told apart in its negotiation history', () => {
  const reply = (text: string) => ({ text });
  const merchant = (details: string) => ({ type: 'MERCHANT_RESPONSE', details });
  const buyerLine = { type: 'USER_CREATE_COMPLAINT', details: '卡密无效' };

  it('a reply is there once the history holds more lines like it than the complaint posted before', () => {
    expect(alreadyPosted([buyerLine], reply('已核实'), 0)).toBe(false);
    expect(alreadyPosted([buyerLine, merchant('已核实')], reply('已核实'), 0)).toBe(true);
    // The same words posted once before: only a second line is this reply.
    expect(alreadyPosted([buyerLine, merchant('已核实')], reply('已核实'), 1)).toBe(false);
    expect(alreadyPosted([merchant('已核实'), merchant('已核实')], reply('已核实'), 1)).toBe(true);
    // The buyer's words, or other replies, are not this one.
    expect(alreadyPosted([{ type: 'USER_RESPONSE', details: '已核实' }, merchant('另一条')], reply('已核实'), 0)).toBe(false);
  });

  it('a long reply is found as WeChat Pay keeps it: cut at 200 characters, never inside a character', () => {
    const long = '😀'.repeat(150) + '好'.repeat(100);
    expect([...replyContent(long)]).toHaveLength(REPLY_MAX_CHARS);
    expect(replyContent(long).endsWith('好')).toBe(true);
    expect(alreadyPosted([merchant(replyContent(long))], reply(long), 0)).toBe(true);
    expect(sameReply(reply(long), reply(`${long}…more`))).toBe(true);
  });

  it('a completion is counted apart from the words', () => {
    const complete = { complete: true as const };
    expect(alreadyPosted([merchant('已核实')], complete, 0)).toBe(false);
    expect(alreadyPosted([{ type: 'MERCHANT_CONFIRM_COMPLETE', details: '' }], complete, 0)).toBe(true);
    expect(alreadyPosted([{ type: 'MERCHANT_CONFIRM_COMPLETE', details: '' }], complete, 1)).toBe(false);
    expect(sameReply(complete, reply('x'))).toBe(false);
    expect(sameReply(complete, { complete: true })).toBe(true);
  });

  it('names each reply by its complaint and its place', () => {
    expect(replyId('c1', 3)).toBe('c1.reply.3');
    expect(replyId('c1', 3)).not.toBe(replyId('c1', 4));
  });
});

describe('restock passes', () => {
  it('counts each offer under its outcome, from the status the order answered', () => {
    const outcomes = [outcomeOfAnswer('DELIVERING'), outcomeOfAnswer('OUT_OF_STOCK'), 'no_longer_waiting', 'unanswered', outcomeOfAnswer('REFUNDING')] as const;
    const pass = outcomes.reduce(countOffer, { ...NO_PASS, waiting: 6 });
    expect(pass).toEqual({ waiting: 6, offered: 5, resumed: 2, stillWaiting: 1, noLongerWaiting: 1, unanswered: 1, stockRanOut: false });
  });

  it("adds passes up into a run's totals", () => {
    const a = { ...NO_PASS, waiting: 3, offered: 1, resumed: 1, stockRanOut: true };
    const b = { ...NO_PASS, waiting: 2, offered: 2, resumed: 1, stillWaiting: 1 };
    expect(addPasses(a, b)).toEqual({ waiting: 5, offered: 3, resumed: 2, stillWaiting: 1, noLongerWaiting: 0, unanswered: 0, stockRanOut: true });
    expect(restockWorkflowId('gift-card-50')).toBe('restock-gift-card-50');
  });
});
