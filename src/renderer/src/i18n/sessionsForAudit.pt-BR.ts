import type { SessionsForAuditMessages } from './sessionsForAudit.en';

/** Portuguese (Brazil) of sessionsForAudit.en.ts; typed against it, so a missing key fails the type check. */
const sessionsForAuditPtBR: SessionsForAuditMessages = {
  sessionsForAudit: {
    nav: 'Sessões para auditoria',
    back: 'Voltar para Sessões para auditoria',
    title: 'Sessões para auditoria',
    subtitle:
      'As sessões que você foi designado para auditar: marque cada uma como auditada e deixe seu comentário',
    filter: {
      label: 'Mostrar',
      all: 'Todas',
      audited: 'Auditadas',
      notAudited: 'Ainda não auditadas',
    },
    columns: {
      audited: 'Auditada?',
      comment: 'Comentário',
      auditors: 'Auditores',
    },
    markAudited: 'Auditada',
    noComment: 'Sem comentário',
    editComment: 'Editar comentário',
    editorTitle: 'Auditoria da sessão {id}',
    commentLabel: 'Comentário',
    commentPlaceholder: 'O que você verificou, o que encontrou',
    commentTooLong: 'O comentário pode ter no máximo {max} caracteres',
    updatedAt: 'Alterado em {at}',
    saved: 'Auditoria da sessão {id} salva',
    saveFailed: 'Não foi possível salvar a auditoria',
    loadFailed: 'Não foi possível carregar as sessões para auditoria',
    empty: 'Nenhuma sessão aqui: ninguém lhe designou uma ainda, ou o filtro as oculta',
    emptyFiltered: 'Nenhuma sessão corresponde a este filtro',
    total: 'Nenhuma sessão | 1 sessão | {count} sessões',
    refresh: 'Atualizar',
    assignedToMe: 'Designadas a mim',
  },
};

export default sessionsForAuditPtBR;
