/**
 * English texts of the Video of session screen, merged by i18n/en.ts under the key `player`.
 * vue-i18n reserves { } @ $ | in messages, so none appear literally here.
 */
const playerEn = {
  player: {
    title: 'Video of session · session #{id}',
    subtitle: '{user} on {device}',
    back: 'Back to Remote sessions',
    download: {
      title: 'Downloading the recording',
      hint: 'The recording is kept in the library on this computer, so it also plays offline later.',
      progress: '{done} of {total}',
      progressUnknown: '{done} downloaded',
      rate: '{rate}/s',
      eta: 'about {eta} left',
      resumed: 'Resumed from {size}',
      queued: 'Waiting to start…',
      cancel: 'Cancel',
    },
    key: {
      title: 'Trust this gateway’s signing key?',
      body: 'The gateway signs every recording with this key. Compare its id with the one your administrator published; once trusted, recordings from this gateway are checked against it.',
      keyId: 'Key id',
      trust: 'Trust',
      cancel: 'Cancel',
      failed: 'The key could not be trusted: {message}',
      changedTitle: 'The gateway’s signing key changed',
      changed:
        'The gateway now signs recordings with another key than the one you trusted, so this recording cannot be verified. Ask your administrator whether the key was replaced.',
    },
    opening: 'Opening the recording…',
    errors: {
      downloadTitle: 'The recording could not be downloaded',
      openTitle: 'The recording could not be opened',
      hint: 'Try again: a partly downloaded recording resumes where it stopped.',
      playback: 'Playback stopped: {message}',
    },
    verification: {
      verified: 'Signature verified.',
      altered: 'This recording does not match its signature: it may have been altered.',
      'unknown-key': 'The signature was not checked: the signing key is not trusted.',
    },
    empty: 'This recording has no output to show.',
    controls: {
      play: 'Play',
      pause: 'Pause',
      back5: 'Back 5 s',
      forward5: 'Forward 5 s',
      previousMarker: 'Previous marker',
      nextMarker: 'Next marker',
      speed: 'Speed',
      skipIdle: 'Skip idle time',
      seek: 'Position in the recording',
      activity: 'Output over time',
      shortcuts: 'Space play/pause · ← → 5 s · [ ] speed · , . markers',
    },
    markers: {
      block: 'Blocked',
      release: 'Released',
      drop: 'Dropped',
      notice: 'Notice',
      command: 'Command',
      error: 'Error',
      policy: 'Policy',
    },
    search: {
      placeholder: 'Search the screen text',
      run: 'Search',
      none: 'Nothing matches “{q}”.',
      count: '{shown} of {total} matches',
      failed: 'The search failed: {message}',
    },
  },
};

export default playerEn;
