// Photos: upload first (each file becomes an attachment id), show them through blob URLs.
import { attachmentUrl, uploadFile } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function photoUploader({ name = "photos" } = {}) {
  const ids = [];
  let pending = 0;
  const thumbs = h("div", { class: "thumbs" });
  const note = h("small", { class: "hint" });
  const input = h("input", { type: "file", name, accept: "image/jpeg,image/png,image/webp,application/pdf",
    multiple: true, class: "file-input" });
  input.addEventListener("change", async () => {
    for (const file of [...input.files]) {
      const thumb = h("figure", { class: "thumb uploading" },
        file.type.startsWith("image/") ? h("img", { src: URL.createObjectURL(file), alt: file.name }) : null,
        h("figcaption", {}, file.name));
      thumbs.append(thumb);
      pending += 1;
      note.textContent = t("ui.uploading");
      try {
        const att = await uploadFile(file);
        ids.push(att.id);
        thumb.classList.remove("uploading");
        thumb.dataset.attachmentId = att.id;
      } catch (err) {
        thumb.classList.replace("uploading", "failed");
        thumb.append(h("small", { class: "error" }, err.message));
      } finally {
        pending -= 1;
        note.textContent = pending ? t("ui.uploading") : t("ui.uploaded", { n: ids.length });
      }
    }
    input.value = "";
  });
  const button = h("label", { class: "button secondary file-button" }, t("ui.add_photos"), input);
  return { el: h("div", { class: "uploader" }, button, " ", note, thumbs), ids: () => [...ids], busy: () => pending > 0 };
}

export function gallery(ids) {
  if (!ids || !ids.length) return null;
  const box = h("div", { class: "thumbs gallery" });
  for (const id of ids) {
    const fig = h("figure", { class: "thumb", dataset: { attachmentId: id } }, h("figcaption", {}, `#${id}`));
    box.append(fig);
    attachmentUrl(id).then(({ url, type }) => {
      const link = h("a", { href: url, target: "_blank", rel: "noopener" });
      if (type.startsWith("image/")) link.append(h("img", { src: url, alt: `${t("ui.attachments")} #${id}` }));
      else if (type.startsWith("audio/")) fig.prepend(h("audio", { src: url, controls: true }));
      else link.append(`${t("ui.attachments")} #${id}`);
      fig.prepend(link);
    }).catch(() => fig.classList.add("failed"));
  }
  return box;
}
