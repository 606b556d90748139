// A complaint's evidence files: images as thumbnails, PDFs as downloads. The API serves them only to
// who may see the complaint, so each is fetched with the signed-in key and shown from memory (a data:
// URL); a bare link would carry no key. Agents may add files the buyer sent another way.
import { html, useEffect, useState } from '/console/vendor/preact.js';
import { download, seg, upload } from './api.js';
import { EVIDENCE_TYPES, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES } from '/console/rules.js';
import { Notice, When, refusal, useI18n, useSubmit } from './ui.js';

const IMAGE = /^image\/(png|jpeg|webp)$/;
const fileOf = (complaintId, a) => `/v1/complaints/${seg(complaintId)}/attachments/${seg(a.attachmentId)}`;

export function Attachments({ complaint: c, canAdd, onAdded }) {
  const { t } = useI18n();
  const files = c.attachments ?? [];
  if (!files.length && !canAdd) return null;
  return html`<div class="evidence-files">
    <h3>${t('attachments')}</h3>
    ${files.length ? html`<ul class="thumbs">${files.map((a) => html`<${Attachment} key=${a.attachmentId} complaintId=${c.complaintId} file=${a} />`)}</ul>` : html`<p class="muted small">${t('noAttachments')}</p>`}
    ${canAdd && files.length < MAX_EVIDENCE_FILES && c.status !== 'CLOSED' ? html`<${AddAttachment} complaintId=${c.complaintId} onAdded=${onAdded} />` : null}
  </div>`;
}

function Attachment({ complaintId, file: a }) {
  const { t } = useI18n();
  const [thumb, setThumb] = useState(null);
  const [failed, setFailed] = useState(null);
  const image = IMAGE.test(a.contentType);
  useEffect(() => {
    if (!image) return;
    let gone = false;
    download(fileOf(complaintId, a))
      .then(dataUrl)
      .then((url) => !gone && setThumb(url), (err) => !gone && setFailed(err));
    return () => {
      gone = true;
    };
  }, [a.attachmentId]);
  async function save(e) {
    e.preventDefault();
    try {
      const blob = await download(fileOf(complaintId, a));
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `${a.attachmentId}.${a.contentType.split('/')[1]}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setFailed(err);
    }
  }
  const label = `${t(`from_${a.from}`)} · ${kb(a.bytes)}`;
  return html`<li class="thumb" data-attachment=${a.attachmentId} data-type=${a.contentType}>
    ${image && thumb ? html`<img src=${thumb} alt=${t('attachmentAlt', { from: t(`from_${a.from}`) })} />` : html`<span class="thumb-kind">${image ? '…' : 'PDF'}</span>`}
    <span class="small">${label} · <${When} at=${a.at} /></span>
    <a href="#" class="small" data-download onClick=${save}>${t('download')}</a>
    ${failed ? html`<${Notice} notice=${refusal(t, failed)} />` : null}
  </li>`;
}

function AddAttachment({ complaintId, onAdded }) {
  const { t } = useI18n();
  const { busy, notice, setNotice, submit: send } = useSubmit(async (input, file) => {
    try {
      await upload(`/v1/complaints/${seg(complaintId)}/attachments`, file);
    } finally {
      input.value = '';
    }
    onAdded();
    return { kind: 'ok', text: t('attachmentAdded', { name: file.name }) };
  });
  function pick(e) {
    const input = e.currentTarget;
    const file = input.files && input.files[0];
    if (!file) return;
    setNotice(null);
    // Said before sending: the API would refuse it the same way (415, 413), after the upload.
    if (!EVIDENCE_TYPES.includes(file.type)) return setNotice({ kind: 'error', text: t('badAttachmentType') });
    if (file.size > MAX_EVIDENCE_BYTES) return setNotice({ kind: 'error', text: t('attachmentTooBig') });
    send(input, file);
  }
  return html`<label class="add-file">${t('addAttachment')}
      <input type="file" name="attachment" accept=${EVIDENCE_TYPES.join(',')} disabled=${busy} onChange=${pick} /></label>
    <${Notice} notice=${notice} />`;
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

const kb = (bytes) => (bytes < 1024 ? `${bytes} B` : `${Math.round(bytes / 1024)} KB`);
