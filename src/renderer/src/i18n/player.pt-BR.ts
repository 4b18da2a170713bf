import type playerEn from './player.en';

/** Textos em português do Brasil da tela Vídeo da sessão. */
const playerPtBR: typeof playerEn = {
  player: {
    title: 'Vídeo da sessão · sessão #{id}',
    subtitle: '{user} em {device}',
    back: 'Voltar para Sessões remotas',
    download: {
      title: 'Baixando a gravação',
      hint: 'A gravação fica na biblioteca deste computador e depois também pode ser vista offline.',
      progress: '{done} de {total}',
      progressUnknown: '{done} baixados',
      rate: '{rate}/s',
      eta: 'faltam cerca de {eta}',
      resumed: 'Retomado a partir de {size}',
      queued: 'Aguardando para começar…',
      cancel: 'Cancelar',
    },
    key: {
      title: 'Confiar na chave de assinatura deste gateway?',
      body: 'O gateway assina cada gravação com esta chave. Compare o id com o publicado pelo seu administrador; depois de confiada, as gravações deste gateway são conferidas com ela.',
      keyId: 'Id da chave',
      trust: 'Confiar',
      cancel: 'Cancelar',
      failed: 'Não foi possível confiar na chave: {message}',
      changedTitle: 'A chave de assinatura do gateway mudou',
      changed:
        'O gateway agora assina as gravações com outra chave, diferente da que você confiou; por isso esta gravação não pode ser verificada. Pergunte ao seu administrador se a chave foi trocada.',
    },
    opening: 'Abrindo a gravação…',
    errors: {
      downloadTitle: 'Não foi possível baixar a gravação',
      openTitle: 'Não foi possível abrir a gravação',
      hint: 'Tente de novo: uma gravação baixada em parte continua de onde parou.',
      playback: 'A reprodução parou: {message}',
    },
    verification: {
      verified: 'Assinatura verificada.',
      altered: 'Esta gravação não confere com a assinatura: pode ter sido alterada.',
      'unknown-key': 'A assinatura não foi conferida: a chave de assinatura não é confiável.',
    },
    empty: 'Esta gravação não tem saída para mostrar.',
    controls: {
      play: 'Reproduzir',
      pause: 'Pausar',
      back5: 'Voltar 5 s',
      forward5: 'Avançar 5 s',
      previousMarker: 'Marcador anterior',
      nextMarker: 'Próximo marcador',
      speed: 'Velocidade',
      skipIdle: 'Pular tempo ocioso',
      seek: 'Posição na gravação',
      activity: 'Saída ao longo do tempo',
      shortcuts: 'Espaço reproduzir/pausar · ← → 5 s · [ ] velocidade · , . marcadores',
    },
    markers: {
      block: 'Bloqueio',
      release: 'Liberação',
      drop: 'Encerrada',
      notice: 'Aviso',
      command: 'Comando',
      error: 'Erro',
      policy: 'Política',
    },
    search: {
      placeholder: 'Buscar no texto da tela',
      run: 'Buscar',
      none: 'Nada corresponde a “{q}”.',
      count: '{shown} de {total} resultados',
      failed: 'A busca falhou: {message}',
    },
  },
};

export default playerPtBR;
