import type { AuditTrailMessages } from './auditTrail.en';

/** Portuguese (Brazil) of auditTrail.en.ts; typed against it, so a missing key fails the type check. */
const auditTrailPtBR: AuditTrailMessages = {
  auditTrail: {
    nav: 'Trilha de auditoria',
    title: 'Trilha de auditoria',
    subtitle:
      'Tudo o que o gateway registrou, do mais recente ao mais antigo, encadeado por hash e assinado em checkpoints',
    refresh: 'Atualizar',
    filter: {
      actor: 'Autor',
      actorPlaceholder: 'Parte de um login',
      type: 'Evento',
      anyType: 'Qualquer evento',
      session: 'Sessão',
      sessionPlaceholder: 'Id da sessão',
      period: 'Período',
      clear: 'Limpar filtros',
    },
    columns: {
      id: '#',
      at: 'Quando',
      type: 'Evento',
      actor: 'Autor',
      session: 'Sessão',
      originIp: 'Origem',
      note: 'Detalhes',
    },
    system: 'Gateway',
    total: 'Nenhum evento | 1 evento | {n} eventos',
    empty: 'A trilha ainda não tem eventos',
    emptyFiltered: 'Nenhum evento corresponde a estes filtros',
    loadFailed: 'Não foi possível carregar a trilha de auditoria',
    chain: {
      title: 'Cadeia da trilha',
      checkAgain: 'Verificar de novo',
      checking: 'Verificando a cadeia…',
      notChecked: 'Ainda não verificada',
      checkFailed: 'Não foi possível verificar a cadeia',
      intact: 'Íntegra até o checkpoint assinado {seq}: evento {event}, assinado em {at}',
      intactUnsigned: 'Íntegra: {events} eventos, nenhum assinado em checkpoint ainda',
      broken: 'Quebrada no evento {event}: ele não se encadeia ao evento anterior',
      rewritten:
        'Quebrada no checkpoint {seq}: o evento {event} não tem mais o hash que foi assinado (eventos até ele foram alterados e a cadeia recalculada)',
      truncated:
        'Truncada: o checkpoint {seq} assinou o evento {event}, a trilha agora termina no evento {end}',
      truncatedUnsigned:
        'Truncada: uma verificação anterior chegou ao evento {event}, a trilha agora termina no evento {end}',
      signature: 'O checkpoint {seq} não confere com a chave do gateway (assinatura forjada ou danificada)',
      checkpointMissing: 'O checkpoint assinado {seq} foi removido da trilha',
      lastGood: 'Último checkpoint íntegro: {seq} (evento {event}, assinado em {at})',
    },
  },
};

export default auditTrailPtBR;
