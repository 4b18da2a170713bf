import type { SearchMessages } from './search.en';

/** Portuguese (Brazil) of search.en.ts; typed against it, so a missing key fails the type check. */
const searchPtBR: SearchMessages = {
  search: {
    nav: 'Pesquisa',
    title: 'Pesquisa nas sessões',
    subtitle: 'Comandos digitados e texto do terminal de todas as sessões que você pode auditar',
    placeholder: 'Palavras a encontrar, ex.: passwd shadow',
    submit: 'Pesquisar',
    hint: 'Todas as palavras devem aparecer, inteiras, em um comando ou em uma linha do terminal.',
    filtersTitle: 'Refinar',
    reset: 'Limpar filtros',
    prompt: 'Digite palavras e pressione Enter para pesquisar nas sessões.',
    noHits: 'Nenhum comando ou linha do terminal corresponde a “{q}”.',
    total: 'nenhum resultado | 1 resultado | {count} resultados',
    sessions: 'em 1 sessão nesta página | em {count} sessões nesta página',
    kind: {
      command: 'Comando',
      text: 'Terminal',
    },
    at: 'em {time}',
    line: 'linha {n}',
    live: 'Ao vivo',
    play: 'Reproduzir em {time}',
    logs: 'Abrir nos Logs da sessão',
    back: 'Voltar para Pesquisa',
    opening: 'Abrindo a sessão…',
    error: 'A pesquisa falhou',
    openError: 'Não foi possível abrir a sessão',
    noVideo: 'Você não pode assistir ao vídeo desta sessão.',
    noLogs: 'Você não pode ler os logs desta sessão.',
    grouped: 'Agrupar por sessão',
    columns: {
      moment: 'Momento',
      match: 'Correspondência',
      user: 'Usuário',
      target: 'Destino',
      start: 'Início',
      protocol: 'Protocolo',
      actions: 'Ações',
    },
  },
};

export default searchPtBR;
