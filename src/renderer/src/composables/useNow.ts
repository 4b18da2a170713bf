import { onBeforeUnmount, onMounted, readonly, ref, type Ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | null = null;

/**
 * The current time, moving once a second while any component uses it: every running duration on
 * screen ticks together from one timer, and nothing ticks once they are all gone.
 */
export function useNow(): Readonly<Ref<number>> {
  onMounted(() => {
    users += 1;
    now.value = Date.now();
    timer ??= setInterval(() => (now.value = Date.now()), 1000);
  });
  onBeforeUnmount(() => {
    users -= 1;
    if (users > 0 || timer === null) return;
    clearInterval(timer);
    timer = null;
  });
  return readonly(now);
}
