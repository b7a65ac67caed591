// Command unikernel-echo is the program of bootstage's unikernel example:
// a static HTTP server that Nanos runs as its one process. It answers every
// request with the arguments and the environment the guest was given, so
// what bootstage wrote into the image's manifest can be read back through
// the forwarded port. At start it leaves a file in its -data share (a
// virtio-9p volume of the host), and it shows what the read-only -motd
// share holds and that it cannot be written.
//
// Build it static, as Nanos runs it without a dynamic loader:
//
//	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' .
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", ":8080", "address to serve on")
	data := flag.String("data", "", "a writable directory (the guest's 9p volume): a file is left there at start")
	motd := flag.String("motd", "", "a file to show in every answer (from a read-only volume)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("unikernel-echo: ")
	started := time.Now()

	if *data != "" {
		note := filepath.Join(*data, "guest-was-here.txt")
		msg := fmt.Sprintf("written by the guest, pid %d, args %q\n", os.Getpid(), flag.Args())
		if err := os.WriteFile(note, []byte(msg), 0o644); err != nil {
			log.Printf("cannot write %s: %v", note, err)
		} else {
			log.Printf("wrote %s", note)
		}
	}

	page := answer(flag.Args(), *motd)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, page)
	})

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-stop
		// Nanos sends SIGTERM when the VM's power button is pressed
		// (`bootstage vm stop`); exiting 0 lets it power off at once.
		log.Printf("got %v after %s, exiting", s, time.Since(started).Round(time.Millisecond))
		os.Exit(0)
	}()

	log.Printf("listening on %s with %d argument(s)", *listen, flag.NArg())
	log.Fatal(http.ListenAndServe(*listen, nil))
}

// answer is the page served: one line per argument and per environment
// variable, each quoted as Go quotes strings, so blanks and quotes show.
func answer(args []string, motd string) string {
	var b strings.Builder
	b.WriteString("hello from a Nanos unikernel\n")
	for i, a := range args {
		fmt.Fprintf(&b, "arg %d: %q\n", i, a)
	}
	env := os.Environ()
	sort.Strings(env)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "env %s: %q\n", k, v)
	}
	if motd != "" {
		text, err := os.ReadFile(motd)
		if err != nil {
			fmt.Fprintf(&b, "motd: %v\n", err)
		} else {
			fmt.Fprintf(&b, "motd: %q\n", strings.TrimSpace(string(text)))
		}
		// The share is read-only: a write must fail.
		probe := filepath.Join(filepath.Dir(motd), "guest-write-test")
		err = os.WriteFile(probe, []byte("x"), 0o644)
		if err == nil {
			os.Remove(probe)
			b.WriteString("read-only share: writable!\n")
		} else {
			fmt.Fprintf(&b, "read-only share: %v\n", errors.Unwrap(err))
		}
	}
	return b.String()
}
