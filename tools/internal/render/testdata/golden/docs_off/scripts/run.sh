#!/bin/sh
echo "flight-events"
