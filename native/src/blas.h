// The one BLAS entry point the addon needs (row-major sgemm/sgemv): OpenBLAS's cblas on Linux and
// Windows, Accelerate on macOS.
#pragma once
#ifdef JUMPLENS_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif
