/**
 * English texts of evidence bundles (export dialog, Bundles list, verification view), merged by
 * i18n/index.ts under the key `evidence`. vue-i18n reserves { } @ $ | in messages: only the
 * counts use | (their plural forms).
 */
const evidenceEn = {
  evidence: {
    exportButton: 'Export evidence bundle',
    exportSelected: 'Export evidence bundle ({n})',
    select: 'Select for a bundle',
    selectDone: 'Stop selecting',
    selectHint: 'Select sessions with the boxes to export them as one evidence bundle.',
    dialog: {
      title: 'Export evidence bundle',
      intro:
        "One bundle holds the recordings, their signed manifests, session info and logs, the audit-trail excerpt with its proof, the gateway's public key and an HTML verification report.",
      sessions: 'No sessions | One session | {n} sessions',
      recordings: 'No recordings | One recording | {n} recordings',
      format: 'Save as',
      zip: 'One zip file',
      folder: 'A folder',
      start: 'Export',
      cancel: 'Cancel export',
      close: 'Close',
      choiceCancelled: 'No place was chosen: nothing was exported.',
      failed: 'The bundle could not be exported',
      cancelled: 'The export was cancelled: nothing was left behind.',
      done: 'The bundle is exported and verified',
      doneAltered: 'The bundle was exported but does not verify',
      savedAt: 'Saved at',
      downloaded: 'Your browser saves a copy of the zip as a download.',
      withoutRecording: 'Without a recording (purged or still live): sessions {ids}',
      inLibrary: 'It is listed under Evidence bundles in the library.',
    },
    phase: {
      statement: 'Asking the gateway for the signed statement…',
      recordings: 'Gathering the recordings…',
      writing: 'Writing the bundle…',
      verifying: 'Verifying the bundle…',
      finished: 'Finished',
    },
    bundles: {
      title: 'Evidence bundles',
      subtitle: 'Bundles exported here or opened from disk. They re-verify offline.',
      empty:
        'No evidence bundle yet. Select sessions or recordings and export one, or open a bundle someone sent.',
      open: 'Open bundle…',
      openPath: 'Path of a bundle folder or .zip on this computer',
      openGo: 'Open and verify',
      chooseZip: 'Choose a .zip…',
      loadFailed: 'The list of bundles could not be read',
      actionFailed: 'That did not work',
      path: 'Bundle',
      sessions: 'Sessions',
      created: 'Created',
      status: 'Verification',
      actions: 'Actions',
      recheck: 'Re-verify',
      files: 'Show files',
      reveal: 'Show in folder',
      report: 'Report',
      forget: 'Remove from list',
      revealed: 'It is here:',
      imported: 'opened',
      count: 'No bundles | One bundle | {n} bundles',
    },
    status: {
      verified: 'Verified',
      altered: 'Altered',
    },
    check: {
      title: 'Bundle verification',
      checkedAt: 'Checked {at}',
      problems: 'No problem | One file has a problem | {n} files have a problem',
      allOk: 'Every file matches the signed statement and the bundle index.',
      withoutRecording: 'Bundled without a recording (purged or live when exported): sessions {ids}',
      path: 'File',
      fileStatus: 'State',
      detail: 'Why',
    },
    fileStatus: {
      ok: 'OK',
      changed: 'Changed',
      missing: 'Missing',
      added: 'Added',
    },
  },
};

export type EvidenceMessages = typeof evidenceEn;
export default evidenceEn;
