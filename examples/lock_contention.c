/* Lock contention: THREADS threads take one mutex in turn. Each round a
 * thread holds the lock while it computes (hold_lock_busy), then takes it
 * again for a moment (take_lock). The others wait in the futex, and a
 * wall-clock profile must show those waits under the function that asked
 * for the lock, not just under pthread_mutex_lock.
 *
 * Usage: lock_contention [-j THREADS] [-n ROUNDS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long sink;
static int rounds = 200;

__attribute__((noinline)) void hold_lock_busy(void)
{
	pthread_mutex_lock(&lock);
	for (unsigned long i = 0; i < 2000000; i++)
		sink += i;
	pthread_mutex_unlock(&lock);
}

__attribute__((noinline)) void take_lock(void)
{
	pthread_mutex_lock(&lock);
	sink++;
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < rounds; i++) {
		hold_lock_busy();
		take_lock();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 3, opt;

	while ((opt = getopt(argc, argv, "j:n:")) != -1) {
		if (opt == 'j')
			threads = atoi(optarg);
		else if (opt == 'n')
			rounds = atoi(optarg);
		else {
			fprintf(stderr, "usage: %s [-j THREADS] [-n ROUNDS]\n", argv[0]);
			return 1;
		}
	}
	if (threads < 1 || threads > 64)
		threads = 3;
	pthread_t t[64];
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
