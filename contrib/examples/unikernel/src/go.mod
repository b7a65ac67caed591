module example.invalid/unikernel-echo

go 1.22
