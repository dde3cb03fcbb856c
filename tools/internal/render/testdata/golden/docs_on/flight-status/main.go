// Command flight-status is rendered from the fixture skeleton.
package main

import "fmt"

func main() {
	fmt.Println("github.com/acme-air/flight-status")
}
