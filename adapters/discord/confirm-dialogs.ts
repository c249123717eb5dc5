/**
 * The texts of confirmation dialogs, by the custom id of the button that opens them. A custom id holds at
 * most 100 characters, so the text stays here; after a restart the dialog falls back to a generic question
 * built from the button's label (the core re-checks every click anyway: the dialog is only UI).
 */
import type { ConfirmDialog } from './render-embeds.js';

/** A bounded map of dialog texts. */
export class ConfirmDialogs {
  private readonly dialogs = new Map<string, ConfirmDialog>();
  private readonly max: number;

  constructor(max = 2000) {
    this.max = max;
  }

  /** Keeps the dialogs of a rendered message. */
  add(dialogs: Record<string, ConfirmDialog>): void {
    for (const [id, dialog] of Object.entries(dialogs)) {
      this.dialogs.delete(id);
      this.dialogs.set(id, dialog);
    }
    while (this.dialogs.size > this.max) {
      const oldest = this.dialogs.keys().next().value;
      if (oldest === undefined) break;
      this.dialogs.delete(oldest);
    }
  }

  /** The dialog for a button, or a generic one naming what the button does. */
  get(customId: string, buttonLabel: string | undefined): ConfirmDialog {
    return (
      this.dialogs.get(customId) ?? {
        title: buttonLabel ?? 'Are you sure?',
        text: `Do you want to ${buttonLabel ? `“${buttonLabel}”` : 'go ahead'}? The bot checks your permission again.`,
        confirmLabel: 'Confirm',
        denyLabel: 'Cancel',
      }
    );
  }
}
