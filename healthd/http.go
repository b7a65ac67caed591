package healthd

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// HTTPCheck is healthy when a GET of URL answers Status, or any 2xx/3xx
// when Status is 0. Redirects are not followed: a 3xx is an answer.
// Certificates are not verified, as in Kubernetes' HTTPS probes: the check
// asks whether the service answers, and local services often present
// self-signed certificates. No proxy from the environment is used.
type HTTPCheck struct {
	URL    string
	Status int

	client *http.Client
}

// NewHTTPCheck returns an HTTPCheck with its own client, so that its idle
// connection can be dropped without touching other probes.
func NewHTTPCheck(url string, status int) *HTTPCheck {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // see type doc
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
		// A check's request and answer are a few hundred bytes; the
		// default 4 KiB buffers would be most of the memory of each
		// kept-alive connection. Longer header lines are still read
		// whole, in pieces.
		ReadBufferSize:  1024,
		WriteBufferSize: 512,
	}
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &HTTPCheck{URL: url, Status: status, client: client}
}

// Check sends one GET.
func (c *HTTPCheck) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return fmt.Errorf("build request for %s: %w", c.URL, err)
	}
	req.Header.Set("User-Agent", "bootstage-healthd")
	resp, err := c.client.Do(req)
	if err != nil {
		c.client.CloseIdleConnections()
		return reason(err)
	}
	// Drain a little so the connection can be reused, but never read a
	// large body.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if c.Status != 0 && resp.StatusCode != c.Status {
		return fmt.Errorf("HTTP %d, want %d", resp.StatusCode, c.Status)
	}
	if c.Status == 0 && (resp.StatusCode < 200 || resp.StatusCode > 399) {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// Close drops the idle connection.
func (c *HTTPCheck) Close() error {
	c.client.CloseIdleConnections()
	return nil
}
