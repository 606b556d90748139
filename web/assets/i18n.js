// Chinese and English for the console and the public report. The choice is kept in localStorage.
const LANG = 'kamiflow.lang';

const en = {
  title: 'kamiflow console',
  signIn: 'Sign in',
  signOut: 'Sign out',
  apiKey: 'API key',
  apiKeyHint: 'Kept in this browser tab only.',
  signedInAs: 'Signed in as {name} ({role})',
  badKey: 'The key was not accepted: {message}',
  language: '中文',
  queue: 'Complaints',
  refunds: 'Refunds',
  stuck: 'Stuck orders',
  stock: 'Stock',
  ranking: 'Ranking',
  products: 'Products',
  refresh: 'Refresh',
  loading: 'Loading…',
  nothing: 'Nothing here.',
  more: 'More',
  all: 'All',
  status: 'Status',
  category: 'Category',
  sku: 'SKU',
  filter: 'Filter',
  order: 'Order',
  amount: 'Amount',
  created: 'Created',
  dueIn: '{what} due in {left}',
  overdue: '{what} overdue by {left}',
  firstResponse: 'First response',
  resolution: 'Resolution',
  waitingOnBuyer: 'Waiting on the buyer',
  waitingOnAgent: 'Waiting on an agent',
  escalated: 'escalated',
  back: '← Back',
  complaint: 'Complaint',
  messages: 'Messages',
  evidence: 'Evidence',
  timeline: "Order's timeline",
  note: 'Note (required to reject)',
  act_acknowledge: 'Acknowledge',
  act_request_info: 'Ask the buyer',
  act_resolve_replace: 'Replace the key',
  act_resolve_refund: 'Refund',
  act_reject: 'Reject',
  act_escalate: 'Escalate',
  done: 'Done: {status}',
  pending: 'Accepted; the work is under way. This page refreshes when it is done.',
  conflict: 'Not done: it changed meanwhile. {message}',
  failed: 'Not done: {message}',
  reason: 'Reason',
  requested: 'Requested',
  approve: 'Approve refund',
  reject: 'Reject refund',
  decided: 'Decided: {status}',
  olderThan: 'Sitting longer than',
  since: 'since',
  pendingActivity: 'Pending activity',
  attempts: 'attempts',
  openInTemporal: 'Open in the Temporal UI',
  available: 'Available',
  reserved: 'Reserved',
  delivered: 'Delivered',
  threshold: 'Low at',
  low: 'low',
  out: 'out of stock',
  from: 'From',
  to: 'To',
  complaintRate: 'Complaint rate by SKU',
  byCategory: 'Complaints by category',
  orders: 'Orders',
  complaints: 'Complaints',
  refundsCount: 'Refunds',
  firstResponseOnTime: 'First response on time',
  resolutionOnTime: 'Resolved on time',
  satisfied: 'Satisfied',
  name: 'Name',
  price: 'Price (minor units)',
  currency: 'Currency',
  refundWindow: 'Refund window',
  complaintWindow: 'Complaint window',
  keyPattern: 'Key pattern (regex)',
  validationUrl: 'Validation URL',
  lowStockThreshold: 'Low stock threshold',
  save: 'Save',
  saved: 'Saved.',
  edit: 'Edit',
  newProduct: 'New product',
  importKeys: 'Import keys',
  importFile: 'A file, one code per line',
  importText: 'or paste codes, one per line',
  startImport: 'Import',
  importProgress: '{sent} sent · {imported} imported · {duplicates} duplicates · {rejected} rejected',
  importDone: 'Import finished.',
  cat_key_invalid: 'Invalid key',
  cat_key_not_received: 'Key not received',
  cat_wrong_item: 'Wrong item',
  cat_payment_issue: 'Payment issue',
  cat_service: 'Service',
  cat_other: 'Other',
  src_stripe_dispute: 'Stripe dispute',
  src_wechatpay: 'WeChat Pay complaint',
  outcome_won: 'won',
  outcome_lost: 'lost: refunded by the bank',
  outcome_completed: 'completed at WeChat Pay',
  reportTitle: 'How we handled complaints',
  reportIntro: 'Published every month: what buyers complained about, how fast we answered, and what we improved.',
  month: 'Month',
  complaintRateTotal: 'Complaints per order',
  medianFirstResponse: 'Median first response',
  medianResolution: 'Median time to resolve',
  minutes: '{n} min',
  hours: '{n} h',
  responses: 'Buyers who answered',
  averageRating: 'Average rating',
  notes: 'What we improved',
  noNotes: 'No notes for this month yet.',
};

const zh = {
  title: 'kamiflow 控制台',
  signIn: '登录',
  signOut: '退出',
  apiKey: 'API 密钥',
  apiKeyHint: '只保存在当前浏览器标签页。',
  signedInAs: '已登录：{name}（{role}）',
  badKey: '密钥未通过：{message}',
  language: 'English',
  queue: '投诉',
  refunds: '退款',
  stuck: '卡住的订单',
  stock: '库存',
  ranking: '投诉排行',
  products: '商品',
  refresh: '刷新',
  loading: '加载中…',
  nothing: '暂无内容。',
  more: '更多',
  all: '全部',
  status: '状态',
  category: '类别',
  sku: 'SKU',
  filter: '筛选',
  order: '订单',
  amount: '金额',
  created: '创建于',
  dueIn: '{what}剩余 {left}',
  overdue: '{what}已超时 {left}',
  firstResponse: '首次响应',
  resolution: '解决',
  waitingOnBuyer: '等待买家',
  waitingOnAgent: '等待客服',
  escalated: '已升级',
  back: '← 返回',
  complaint: '投诉',
  messages: '消息',
  evidence: '证据',
  timeline: '订单时间线',
  note: '备注（驳回时必填）',
  act_acknowledge: '受理',
  act_request_info: '请买家补充',
  act_resolve_replace: '补发新卡密',
  act_resolve_refund: '退款',
  act_reject: '驳回',
  act_escalate: '升级',
  done: '已完成：{status}',
  pending: '已受理，正在处理；完成后本页会刷新。',
  conflict: '未执行：状态已被他人更改。{message}',
  failed: '未执行：{message}',
  reason: '原因',
  requested: '申请于',
  approve: '同意退款',
  reject: '拒绝退款',
  decided: '已处理：{status}',
  olderThan: '停留超过',
  since: '自',
  pendingActivity: '待完成的活动',
  attempts: '次尝试',
  openInTemporal: '在 Temporal UI 中打开',
  available: '可用',
  reserved: '已预留',
  delivered: '已发放',
  threshold: '低库存线',
  low: '库存低',
  out: '缺货',
  from: '从',
  to: '到',
  complaintRate: '各 SKU 投诉率',
  byCategory: '各类别投诉',
  orders: '订单',
  complaints: '投诉',
  refundsCount: '退款',
  firstResponseOnTime: '首次响应及时率',
  resolutionOnTime: '按时解决率',
  satisfied: '满意率',
  name: '名称',
  price: '价格（最小单位）',
  currency: '币种',
  refundWindow: '退款期限',
  complaintWindow: '投诉期限',
  keyPattern: '卡密格式（正则）',
  validationUrl: '校验地址',
  lowStockThreshold: '低库存线',
  save: '保存',
  saved: '已保存。',
  edit: '编辑',
  newProduct: '新商品',
  importKeys: '导入卡密',
  importFile: '选择文件，每行一个卡密',
  importText: '或粘贴卡密，每行一个',
  startImport: '导入',
  importProgress: '已发送 {sent} · 导入 {imported} · 重复 {duplicates} · 拒绝 {rejected}',
  importDone: '导入完成。',
  cat_key_invalid: '卡密无效',
  cat_key_not_received: '未收到卡密',
  cat_wrong_item: '商品不符',
  cat_payment_issue: '支付问题',
  cat_service: '服务',
  cat_other: '其他',
  src_stripe_dispute: 'Stripe 争议',
  src_wechatpay: '微信支付投诉',
  outcome_won: '胜诉',
  outcome_lost: '败诉：银行已退款',
  outcome_completed: '微信支付已完结',
  reportTitle: '投诉处理进展和改进措施',
  reportIntro: '每月公开：买家投诉了什么、我们多快答复、做了哪些改进。',
  month: '月份',
  complaintRateTotal: '投诉率（每单）',
  medianFirstResponse: '首次响应中位时长',
  medianResolution: '解决中位时长',
  minutes: '{n} 分钟',
  hours: '{n} 小时',
  responses: '评价人数',
  averageRating: '平均评分',
  notes: '改进措施',
  noNotes: '本月暂无说明。',
};

const dictionaries = { en, zh };

export function currentLang() {
  const saved = localStorage.getItem(LANG);
  if (saved === 'en' || saved === 'zh') return saved;
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function setLang(lang) {
  localStorage.setItem(LANG, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/** The text for `key` in `lang`, with {name} placeholders filled. */
export function translate(lang, key, vars = {}) {
  const text = dictionaries[lang][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

// ── Formatting ────────────────────────────────────────────────────────────────────────────────
export function money(m, lang) {
  if (!m) return '';
  const digits = m.currency === 'JPY' || m.currency === 'KRW' ? 0 : 2;
  try {
    return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en', { style: 'currency', currency: m.currency }).format(m.amount / 10 ** digits);
  } catch {
    return `${(m.amount / 10 ** digits).toFixed(digits)} ${m.currency}`;
  }
}

export function when(iso, lang) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'short', timeStyle: 'short' });
}

/** "1d 2h", "3h 05m", "4m 09s" */
export function span(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  return `${m}m ${pad(s % 60)}s`;
}

export function percent(share) {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`;
}
