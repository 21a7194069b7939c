/* spawner_image.S: the spawner program (build/bdspawn, from src/spawner/bdspawn.c) as
 * bytes in batchd's read-only data: run_spawner_image .. run_spawner_image_end
 * (src/daemon/supervisor.h). Assembled with the build directory on the include path. */
        .section .rodata
        .balign 64
        .globl run_spawner_image
run_spawner_image:
        .incbin "bdspawn"
        .globl run_spawner_image_end
run_spawner_image_end:
        .section .note.GNU-stack, "", @progbits
