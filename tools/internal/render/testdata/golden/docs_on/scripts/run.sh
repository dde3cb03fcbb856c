#!/bin/sh
echo "flight-status"
