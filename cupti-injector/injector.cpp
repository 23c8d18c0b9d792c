// CUDA's entry point into the injector: the driver dlopens the library
// named by CUDA_INJECTION64_PATH inside cuInit and calls InitializeInjection
// on the app's thread. (First version: present and exported, does nothing.)
extern "C" __attribute__((visibility("default"))) int InitializeInjection(void)
{
	return 1;
}
