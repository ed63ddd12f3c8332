"""The document camera (高拍仪): capture pipeline for materials, and a simulator that replays generated documents."""
