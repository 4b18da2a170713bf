/**
 * English texts of the Sessions for audit screen (and of the Remote sessions list's Auditors
 * column and "Assigned to me" filter), merged by i18n/index.ts under the key `sessionsForAudit`.
 * vue-i18n reserves { } @ $ | in messages, so none appear literally here.
 */
const sessionsForAuditEn = {
  sessionsForAudit: {
    nav: 'Sessions for audit',
    back: 'Back to Sessions for audit',
    title: 'Sessions for audit',
    subtitle: 'The sessions you were assigned to audit: mark each one audited and leave your comment',
    filter: {
      label: 'Show',
      all: 'All',
      audited: 'Audited',
      notAudited: 'Not yet audited',
    },
    columns: {
      audited: 'Audited?',
      comment: 'Comment',
      auditors: 'Auditors',
    },
    markAudited: 'Audited',
    noComment: 'No comment',
    editComment: 'Edit comment',
    editorTitle: 'Audit of session {id}',
    commentLabel: 'Comment',
    commentPlaceholder: 'What you checked, what you found',
    commentTooLong: 'The comment may have at most {max} characters',
    updatedAt: 'Last changed {at}',
    saved: 'Audit of session {id} saved',
    saveFailed: 'The audit could not be saved',
    loadFailed: 'The sessions for audit could not be loaded',
    empty: 'No sessions here: nobody assigned you one yet, or the filter hides them',
    emptyFiltered: 'No session matches this filter',
    total: 'No sessions | 1 session | {count} sessions',
    refresh: 'Refresh',
    assignedToMe: 'Assigned to me',
  },
};

export type SessionsForAuditMessages = typeof sessionsForAuditEn;
export default sessionsForAuditEn;
